-- A summary over every person: counted by job title (a full scan of the tenant's rows).
local path = "/api/v1/objects/people/aggregate?group_by=job_title&measures=count"
request = function() return wrk.format("GET", path) end
