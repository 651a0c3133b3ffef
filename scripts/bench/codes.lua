-- wrk script: GET the authorization request in BENCH_PATH with the session
-- cookie in BENCH_COOKIE (consent already given, so each answer is a 302
-- carrying a new code) and write each code to BENCH_OUT.<thread>.
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  wrk.path = os.getenv("BENCH_PATH")
  wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
  out = io.open(os.getenv("BENCH_OUT") .. "." .. id, "w")
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
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("issued")
  end
  io.write(string.format("issued %d\n", total))
end
