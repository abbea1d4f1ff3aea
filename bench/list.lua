-- A 10%-selective filter (job titles are uniform over 10 values), sorted, 50 per page.
local path = "/api/v1/objects/people?filter=job_title%20%3D%20%22CTO%22&sort=last_name&limit=50"
request = function() return wrk.format("GET", path) end
