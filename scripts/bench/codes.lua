-- wrk script: GET the authorization request in BENCH_PATH with the session
-- cookie in BENCH_COOKIE (consent already given, so each answer is a 302
-- carrying a new code) and write each code to BENCH_OUT.<thread>.
dofile("scripts/bench/common.lua")

function init(args)
  wrk.path = os.getenv("BENCH_PATH")
  wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
  out = output_of("BENCH_OUT")
  issued = 0
end

function response(status, headers, body)
  local location = headers["location"] or headers["Location"] or ""
  local code = location:match("[?&]code=([^&]+)")
  if status == 302 and code then
    out:write(code, "\n")
    issued = issued + 1
  end
end

function done(summary, latency, requests)
  print_total("issued", "issued")
end
