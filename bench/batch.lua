-- Batch creates: 1000 people per request.
local records = {}
for i = 1, 1000 do
  records[#records + 1] = string.format('{"first_name": "Batch", "last_name": "Person%d", "email": "batch%d@bench.example", "job_title": "Engineer"}', i, i)
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"records": [' .. table.concat(records, ",") .. ']}'
