-- wrk script for the creation storm: every request books a slot no other request asks for, on a
-- new connection (Connection: close: the server closes it after the answer and wrk opens the
-- next one), so each answer is a booking made from scratch.
-- Environment: TOKENS ("a,b,c"), SPACES ("1,2,3": this wrk's own share of the rooms, disjoint
-- from the other wrk's), DAY0 (epoch seconds of a future midnight UTC).
-- Request n of a thread books room n mod #SPACES for one hour, (n div #SPACES) hours into the
-- thread's own range of hours after DAY0: no two requests of the run want the same room and hour.
local tokens = {}
for t in string.gmatch(os.getenv("TOKENS"), "[^,]+") do tokens[#tokens + 1] = t end
local day0 = tonumber(os.getenv("DAY0"))
local spaces = {}
for id in string.gmatch(os.getenv("SPACES"), "%d+") do spaces[#spaces + 1] = tonumber(id) end
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  threads[#threads + 1] = thread
end

function init(args)
  counts = {}
  sent = 0
  -- Thread k of this wrk takes hours from (k - 1) * 20000 on (about 833 days a thread, within
  -- the bench's max_days_ahead): no thread reaches the next's.
  first_hour = (id - 1) * 20000
end

request = function()
  local space = spaces[(sent % #spaces) + 1]
  local start = day0 + (first_hour + math.floor(sent / #spaces)) * 3600
  sent = sent + 1
  local body = string.format(
    '{"space_id": %d, "start": "%s", "end": "%s", "title": "压测", "purpose": "team", "attendees": 5}',
    space, os.date("!%Y-%m-%dT%H:%M:%S+00:00", start), os.date("!%Y-%m-%dT%H:%M:%S+00:00", start + 3600))
  return wrk.format("POST", "/api/v1/bookings", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[math.random(1, #tokens)],
    ["Connection"] = "close",
  }, body)
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
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "p50_ms": %.1f, "p95_ms": %.1f, "p99_ms": %.1f, "socket_errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, e.connect + e.read + e.write + e.timeout, table.concat(parts, ", ")))
end
