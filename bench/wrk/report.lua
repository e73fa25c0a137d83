-- Prints one JSON line at the end of a wrk run: throughput, latency percentiles (ms), errors.
-- Optional POST: set WRK_METHOD, WRK_BODY_FILE and WRK_CONTENT_TYPE in the environment.

local method = os.getenv("WRK_METHOD")
local body_file = os.getenv("WRK_BODY_FILE")
if method and method ~= "" then
  wrk.method = method
end
if body_file and body_file ~= "" then
  local handle = assert(io.open(body_file, "rb"))
  wrk.body = handle:read("*a")
  handle:close()
  wrk.headers["Content-Type"] = os.getenv("WRK_CONTENT_TYPE")
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %.3f, "rps": %.2f, "p50_ms": %.2f, "p90_ms": %.2f, ' ..
    '"p99_ms": %.2f, "max_ms": %.2f, "mean_ms": %.2f, "bytes": %d, "errors_connect": %d, "errors_read": %d, ' ..
    '"errors_write": %d, "errors_status": %d, "errors_timeout": %d}\n',
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000,
    summary.bytes, errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
