-- wrk -s bench/wrk_summary.lua: print one JSON line that bench/load.py parses. No response()
-- hook, so wrk reads answers at full speed (a hook would copy every body into Lua); wrk
-- itself counts 4xx/5xx answers as status errors. Durations and latencies are in microseconds.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"status_errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
