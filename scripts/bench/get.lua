-- wrk script: GET with one fixed header, as scripts/bench.sh sets it in
-- BENCH_HEADER ("Name: value"), e.g. a bearer token or a session cookie.
local name, value = os.getenv("BENCH_HEADER"):match("^([^:]+):%s*(.*)$")
wrk.headers[name] = value
