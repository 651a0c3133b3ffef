-- wrk script: POST a fixed form body with HTTP Basic client credentials
-- (BENCH_BODY, BENCH_AUTH) and write the access token of every 200 answer
-- to BENCH_OUT.<thread>. Each thread stops after BENCH_LIMIT answers in
-- all (split evenly over BENCH_THREADS), so that many tokens are
-- acknowledged. Used for the pre-fill, whose tokens are checked after a
-- kill -9: each token reaches the file as it arrives, so one acknowledged
-- before wrk is ended is written down.
dofile("scripts/bench/common.lua")

function init(args)
  wrk.method = "POST"
  wrk.body = os.getenv("BENCH_BODY")
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_AUTH")
  limit = math.ceil(tonumber(os.getenv("BENCH_LIMIT")) / tonumber(os.getenv("BENCH_THREADS")))
  out = output_of("BENCH_OUT")
  acknowledged = 0
end

function response(status, headers, body)
  local token = status == 200 and body:match('"access_token":"([^"]+)"')
  if token then
    out:write(token, "\n")
    acknowledged = acknowledged + 1
  end
  if acknowledged >= limit then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  print_total("acknowledged", "acknowledged")
end
