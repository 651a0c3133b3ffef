-- wrk script: the authorization-code exchange. Each thread redeems the
-- codes in BENCH_IN.<thread> once each (redirect_uri BENCH_REDIRECT, PKCE
-- verifier BENCH_VERIFIER, HTTP Basic BENCH_AUTH), writes the refresh
-- token of every 200 answer to BENCH_OUT.<thread>. No code is sent twice:
-- once a thread's codes are used up it sends the code "used-up", whose
-- 400 answers wrk counts as failures, so a row that ran out shows it.
dofile("scripts/bench/common.lua")

function init(args)
  codes = lines_of("BENCH_IN")
  next_code = 1
  tail = "&redirect_uri=" .. os.getenv("BENCH_REDIRECT") .. "&code_verifier=" .. os.getenv("BENCH_VERIFIER")
  out = output_of("BENCH_OUT")
end

function request()
  local code = codes[next_code] or "used-up"
  next_code = next_code + 1
  return form_post("grant_type=authorization_code&code=" .. code .. tail)
end

function response(status, headers, body)
  local refresh = status == 200 and body:match('"refresh_token":"([^"]+)"')
  if refresh then
    out:write(refresh, "\n")
  end
end
