-- wrk script: refresh-token rotation. Each thread starts from the refresh
-- tokens in BENCH_IN.<thread>; every request spends one and every 200
-- answer brings its successor back into the pool, so each token is sent
-- once (HTTP Basic BENCH_AUTH).
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  pool = {}
  for line in io.lines(os.getenv("BENCH_IN") .. "." .. id) do
    pool[#pool + 1] = line
  end
  auth = "Basic " .. os.getenv("BENCH_AUTH")
end

function request()
  local token = table.remove(pool) or "pool-empty"
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = auth,
  }, "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, headers, body)
  local successor = status == 200 and body:match('"refresh_token":"([^"]+)"')
  if successor then
    pool[#pool + 1] = successor
  end
end
