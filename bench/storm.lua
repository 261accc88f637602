-- wrk script for the booking storm: POST /api/v1/bookings, half aimed at slots everyone wants.
-- Environment: TOKENS (bearer tokens of different residents, "a,b,c"), SPACES ("1,2,3"), DAY0
-- (epoch seconds of a future midnight UTC). Each request comes from a random resident: one
-- person's requests queue behind each other on their quota lock, as they should.
local tokens = {}
for t in string.gmatch(os.getenv("TOKENS"), "[^,]+") do tokens[#tokens + 1] = t end
local day0 = tonumber(os.getenv("DAY0"))
local spaces = {}
for id in string.gmatch(os.getenv("SPACES"), "%d+") do spaces[#spaces + 1] = tonumber(id) end
local statuses = {}
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  threads[#threads + 1] = thread
end

function init(args)
  math.randomseed(tonumber(os.getenv("SEED") or "0") * 7919 + id)
  counts = {}
end

request = function()
  local space, start
  if math.random() < 0.5 then
    space = spaces[math.random(1, 4)]
    start = day0 + math.random(0, 3) * 3600
  else
    space = spaces[math.random(1, #spaces)]
    start = day0 + math.random(1, 300) * 86400 + math.random(0, 22) * 3600
  end
  local body = string.format(
    '{"space_id": %d, "start": "%s", "end": "%s", "title": "压测", "purpose": "team", "attendees": 5}',
    space, os.date("!%Y-%m-%dT%H:%M:%S+00:00", start), os.date("!%Y-%m-%dT%H:%M:%S+00:00", start + 3600))
  return wrk.format("POST", "/api/v1/bookings",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[math.random(1, #tokens)]}, body)
end

response = function(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

done = function(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for status, n in pairs(c) do merged[status] = (merged[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(merged) do parts[#parts + 1] = string.format('"%d": %d', status, n) end
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "p50_ms": %.1f, "p95_ms": %.1f, "p99_ms": %.1f, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, table.concat(parts, ", ")))
end
