-- wrk script: introspects every token in the files BENCH_IN.<thread> (one
-- per line) once, with HTTP Basic client credentials (BENCH_AUTH), and
-- counts the answers that are not {"active":true}. Each thread stops
-- when its file is done and writes "checked N inactive M" to the file
-- BENCH_DONE.<thread>, since wrk itself waits out its -d until it is
-- ended.
-- Requests sent after the last token are GET /healthz, whose answers are
-- told apart and not counted.
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  tokens = {}
  for line in io.lines(os.getenv("BENCH_IN") .. "." .. id) do
    tokens[#tokens + 1] = line
  end
  next_token, checked, inactive = 1, 0, 0
  auth = "Basic " .. os.getenv("BENCH_AUTH")
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
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = auth,
  }, "token=" .. token)
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
