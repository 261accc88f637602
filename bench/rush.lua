-- wrk script for the registration rush: every request is a different resident registering for
-- the same activity. TOKEN_FILE holds one bearer token a line; ACTIVITY is the activity id.
-- The thread stops once every token has been used once.
local tokens = {}
for line in io.lines(os.getenv("TOKEN_FILE")) do tokens[#tokens + 1] = line end
local path = "/api/v1/activities/" .. os.getenv("ACTIVITY") .. "/registrations"
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  counts = {}
  sent = 0
  answered = 0
end

request = function()
  sent = sent + 1
  local token = tokens[((sent - 1) % #tokens) + 1]
  return wrk.format("POST", path,
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, "{}")
end

response = function(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
  answered = answered + 1
  if answered >= #tokens then wrk.thread:stop() end
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
