-- wrk script: introspects every token in the files BENCH_IN.<thread> (one
-- per line) once, with HTTP Basic client credentials (BENCH_AUTH), and
-- counts the answers that are not {"active":true}. Each thread stops
-- when its file is done and writes "checked N inactive M" to the file
-- BENCH_DONE.<thread>, since wrk itself waits out its -d until it is
-- ended. Requests sent after the last token are GET /healthz, whose
-- answers are told apart and not counted.
dofile("scripts/bench/common.lua")

function init(args)
  tokens = lines_of("BENCH_IN")
  next_token, checked, inactive = 1, 0, 0
end

function request()
  -- wrk calls request() once on the first thread before the run, to check
  -- it, and sends nothing: that call gets no token.
  if not started then
    started = true
    return wrk.format("GET", "/healthz")
  end
  local token = tokens[next_token]
  next_token = next_token + 1
  if not token then
    return wrk.format("GET", "/healthz")
  end
  return form_post("token=" .. token)
end

function response(status, headers, body)
  if not body:find('"status":"ok"', 1, true) then
    checked = checked + 1
    if status ~= 200 or not body:find('"active":true', 1, true) then
      inactive = inactive + 1
    end
  end
  if checked >= #tokens then
    local done = io.open(os.getenv("BENCH_DONE") .. "." .. id, "w")
    done:write(string.format("checked %d inactive %d\n", checked, inactive))
    done:close()
    wrk.thread:stop()
  end
end
