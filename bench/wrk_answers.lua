-- wrk -s bench/wrk_answers.lua URL -- COOKIE CSRF_TOKEN EVENT_IDS: every request is a new
-- person answering "going" (email bench<thread>-<n>@example.org), round robin over the
-- events, all with one session cookie and its CSRF token. Prints one JSON line for
-- bench/writes.py: the summary, answers counted by status ("302 #rsvp" is a saved answer)
-- and how many requests were sent (those sent but unanswered were in flight at the end).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  cookie, token = args[1], args[2]
  events = {}
  for id in string.gmatch(args[3], "%d+") do
    table.insert(events, id)
  end
  sent, counts = 0, {}
end

function request()
  sent = sent + 1
  local person = string.format("%d-%d", thread_number, sent)
  local event = events[(sent + thread_number) % #events + 1]
  local body = "csrf_token=" .. token .. "&answer=going&name=Bench+Person+" .. person ..
    "&email=bench" .. person .. "%40example.org"
  local headers = {["Cookie"] = cookie, ["Content-Type"] = "application/x-www-form-urlencoded"}
  return wrk.format("POST", "/events/" .. event .. "/rsvp", headers, body)
end

function response(status, headers, body)
  local key = tostring(status)
  if status == 302 and string.find(headers["Location"] or "", "#rsvp$") then
    key = "302 #rsvp"
  end
  counts[key] = (counts[key] or 0) + 1
end

done = function(summary, latency, requests)
  local merged, parts, total_sent = {}, {}, 0
  for _, thread in ipairs(threads) do
    total_sent = total_sent + thread:get("sent")
    for key, count in pairs(thread:get("counts")) do
      merged[key] = (merged[key] or 0) + count
    end
  end
  for key, count in pairs(merged) do
    table.insert(parts, string.format('"%s": %d', key, count))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"status_errors": %d, "socket_errors": %d, "sent": %d, "counts": {%s}}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout, total_sent, table.concat(parts, ", ")))
end
