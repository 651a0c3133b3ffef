-- wrk script: POST a fixed form body with HTTP Basic client credentials.
-- BODY and AUTH come from the environment (set by scripts/bench.sh).
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_AUTH")
