-- What the wrk scripts of scripts/bench.sh share; each loads it with
-- dofile (wrk runs from the repository's root there).

local threads = {}

-- Numbers the threads (id 1, 2, …), so that each reads and writes files
-- of its own (NAME.<id>).
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

-- The lines of the file named by the environment variable VAR, plus
-- ".<id>", as a table.
function lines_of(var)
  local lines = {}
  for line in io.lines(os.getenv(var) .. "." .. id) do
    lines[#lines + 1] = line
  end
  return lines
end

-- The file named by the environment variable VAR, plus ".<id>", opened
-- for writing, each line reaching the file at once (wrk may be ended
-- before it would close it).
function output_of(var)
  local file = io.open(os.getenv(var) .. "." .. id, "w")
  file:setvbuf("line")
  return file
end

-- A POST of the form BODY with HTTP Basic credentials (BENCH_AUTH).
function form_post(body)
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = "Basic " .. os.getenv("BENCH_AUTH"),
  }, body)
end

-- Prints "LABEL N" with N the sum of every thread's global FIELD.
function print_total(label, field)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get(field)
  end
  io.write(string.format("%s %d\n", label, total))
end
