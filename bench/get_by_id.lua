-- GET a random person by id (ids sampled by bench_tool seed).
local ids = {}
for line in io.lines(os.getenv("IDS_FILE")) do ids[#ids + 1] = line end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/api/v1/objects/people/" .. ids[math.random(#ids)])
end
