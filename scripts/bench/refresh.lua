-- wrk script: refresh-token rotation. Each thread starts from the refresh
-- tokens in BENCH_IN.<thread>; every request spends one and every 200
-- answer brings its successor back into the pool, so each token is sent
-- once (HTTP Basic BENCH_AUTH).
dofile("scripts/bench/common.lua")

function init(args)
  pool = lines_of("BENCH_IN")
end

function request()
  local token = table.remove(pool) or "pool-empty"
  return form_post("grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, headers, body)
  local successor = status == 200 and body:match('"refresh_token":"([^"]+)"')
  if successor then
    pool[#pool + 1] = successor
  end
end
