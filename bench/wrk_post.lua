-- wrk script for the benchmark: POST a JSON body with an API key, count 200s, collect the answers'
-- X-Request-Id (so the runner can find every one in the ledger), print one JSON summary line.
-- The body, the Authorization header and the file for the ids come from the environment
-- (WRK_BODY, WRK_AUTH, WRK_IDS), set by bench/load.py.

wrk.method = "POST"
wrk.body = os.getenv("WRK_BODY") or '{"model":"bench-model","messages":[{"role":"user","content":"hi"}]}'
wrk.headers["Content-Type"] = "application/json"
local auth = os.getenv("WRK_AUTH")
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok = 0
  bad = 0
  ids = {}
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
    local id = headers["x-request-id"] or headers["X-Request-Id"]
    if id then
      ids[#ids + 1] = id
    end
  else
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local good, failed = 0, 0
  local path = os.getenv("WRK_IDS")
  local out = path and path ~= "" and io.open(path, "w") or nil
  for _, thread in ipairs(threads) do
    good = good + thread:get("ok")
    failed = failed + thread:get("bad")
    if out then
      local list = thread:get("ids")
      for i = 1, #list do
        out:write(list[i], "\n")
      end
    end
  end
  if out then
    out:close()
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"ok":%d,"bad":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f,' ..
    '"max_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,"status_errors":%d}\n',
    summary.requests, good, failed, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, latency.max, e.connect, e.read, e.write, e.timeout, e.status))
end
