-- list.lua's query narrowed by the rows the sharing-rules member sees (people of 9 of
-- the 18 sample countries): the administrator fetching the same page as that member.
local filter = 'job_title = "CTO" and country in ("DE", "FR", "GB", "ES", "PT", "NL", "AT", "CH", "DK")'
local path = "/api/v1/objects/people?filter=" .. filter:gsub("[^%w%-_.~]", function(c)
  return string.format("%%%02X", string.byte(c))
end) .. "&sort=last_name&limit=50"
request = function() return wrk.format("GET", path) end
