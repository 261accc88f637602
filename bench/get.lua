-- wrk script for read benchmarks: prints one RESULT line (p95 included, which wrk's own report
-- lacks). Non-2xx answers count as errors.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, e.status + e.connect + e.read + e.write + e.timeout))
end
