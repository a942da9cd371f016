-- wrk script: GET /api/workbench/tasks?view=TODAY&limit=20, each request as a random staff member.
-- Usage: wrk ... -s bench/my_tasks.lua http://127.0.0.1:18080 -- <tokens file, one bearer token per line>
-- Tokens are for staff 1..N (every staff member who has tasks), drawn uniformly, as pgbench draws :me.
local tokens = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("tid", counter)
end

function init(args)
   for line in io.lines(args[1]) do
      if #line > 0 then tokens[#tokens + 1] = line end
   end
   math.randomseed(os.time() * 100 + (tid or 0))
end

function request()
   local t = tokens[math.random(#tokens)]
   return wrk.format("GET", "/api/workbench/tasks?view=TODAY&limit=20", { ["Authorization"] = "Bearer " .. t })
end
