-- wrk script: the authorization-code exchange. Each thread redeems the
-- codes in BENCH_IN.<thread> once each (redirect_uri BENCH_REDIRECT, PKCE
-- verifier BENCH_VERIFIER, HTTP Basic BENCH_AUTH), writes the refresh
-- token of every 200 answer to BENCH_OUT.<thread>. No code is sent twice:
-- once a thread's codes are used up it sends the code "used-up", whose
-- 400 answers wrk counts as failures, so a row that ran out shows it.
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  codes = {}
  for line in io.lines(os.getenv("BENCH_IN") .. "." .. id) do
    codes[#codes + 1] = line
  end
  next_code = 1
  tail = "&redirect_uri=" .. os.getenv("BENCH_REDIRECT") .. "&code_verifier=" .. os.getenv("BENCH_VERIFIER")
  auth = "Basic " .. os.getenv("BENCH_AUTH")
  out = io.open(os.getenv("BENCH_OUT") .. "." .. id, "w")
  -- Each line reaches the file at once: wrk ends without closing it.
  out:setvbuf("line")
end

function request()
  local code = codes[next_code]
  next_code = next_code + 1
  if not code then
    code = "used-up"
  end
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = auth,
  }, "grant_type=authorization_code&code=" .. code .. tail)
end

function response(status, headers, body)
  local refresh = status == 200 and body:match('"refresh_token":"([^"]+)"')
  if refresh then
    out:write(refresh, "\n")
  end
end
