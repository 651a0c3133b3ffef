-- wrk script: POST a fixed form body with HTTP Basic client credentials
-- (BENCH_BODY, BENCH_AUTH) and write one field of every 200 answer to
-- BENCH_OUT.<thread>: "access_token" from a token response. Each thread
-- stops after BENCH_LIMIT answers in all (split evenly), so the run ends
-- when that many tokens are acknowledged. Used for the pre-fill, whose
-- tokens are then checked after a kill -9: each token is flushed to the
-- file as it arrives, so one acknowledged before wrk is interrupted is
-- written down.
local threads = {}
local count = 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.body = os.getenv("BENCH_BODY")
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_AUTH")
  limit = math.ceil(tonumber(os.getenv("BENCH_LIMIT")) / tonumber(os.getenv("BENCH_THREADS")))
  out = io.open(os.getenv("BENCH_OUT") .. "." .. id, "w")
  acknowledged = 0
end

function response(status, headers, body)
  if status == 200 then
    local token = body:match('"access_token":"([^"]+)"')
    if token then
      out:write(token, "\n")
      out:flush()
      acknowledged = acknowledged + 1
    end
  end
  if acknowledged >= limit then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("acknowledged")
  end
  io.write(string.format("acknowledged %d\n", total))
end
