#!/usr/bin/env bash
# Benchmark: a release build on a fresh database, driven by wrk on loopback.
# Prints requests/s, p50/p99 latency and error counts for /healthz (the
# framework's ceiling), the client-credentials token request (a durable write
# each) and introspection, the ratio of each to /healthz, and the server's
# resident memory idle and after the load. Compare ratios within one run:
# wrk and the server share this machine's cores.
#
#   ./scripts/bench.sh                       # 64 connections, 10 s per endpoint
#   BENCH_CONNECTIONS=16 BENCH_DURATION=5 ./scripts/bench.sh
#   BENCH_WARMUP=0 ./scripts/bench.sh        # skip the 2 s warm-up runs
set -euo pipefail
cd "$(dirname "$0")/.."

connections=${BENCH_CONNECTIONS:-64}
duration=${BENCH_DURATION:-10}
warmup=${BENCH_WARMUP:-2}
threads=2
client_id=bench
client_secret=bench-secret-123

if ! command -v wrk >/dev/null; then
  echo "==> installing wrk (Debian package)"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq wrk >/dev/null
fi

echo "==> cargo build --release"
cargo build --release --quiet

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/seed.json" <<JSON
{"clients": [{"client_id": "$client_id", "client_secret": "$client_secret", "client_name": "Bench",
              "grant_types": ["client_credentials"], "token_endpoint_auth_method": "client_secret_basic",
              "scope": "read"}],
 "scopes": [{"name": "read", "description": "Read", "default": true}]}
JSON

# A free port from the kernel when python3 is there, else a fixed one.
if command -v python3 >/dev/null; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
else
  port=18080
fi
base="http://127.0.0.1:$port"

echo "==> starting target/release/gatehouse on 127.0.0.1:$port (fresh database, RUST_LOG=warn)"
RUST_LOG=warn target/release/gatehouse serve --addr "127.0.0.1:$port" --data "$work/db" \
  --seed "$work/seed.json" >"$work/server.log" 2>&1 &
server_pid=$!
ready=""
for _ in $(seq 1 100); do
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  if curl -fs -o /dev/null "$base/healthz"; then ready=1; break; fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "error: the server did not answer GET /healthz within 10 s; its log:" >&2
  cat "$work/server.log" >&2
  exit 1
fi

rss_mib() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status"; }
rss_idle=$(rss_mib)

# One access token, obtained once, for the introspection run.
auth=$(printf '%s' "$client_id:$client_secret" | base64)
if ! token_json=$(curl -fsS -u "$client_id:$client_secret" -d grant_type=client_credentials "$base/oauth/token"); then
  echo "error: POST /oauth/token failed; server log:" >&2
  cat "$work/server.log" >&2
  exit 1
fi
token=$(sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p' <<<"$token_json")
if [ -z "$token" ]; then
  echo "error: no access_token in the token response: $token_json" >&2
  exit 1
fi
introspection=$(curl -fsS -u "$client_id:$client_secret" --data-urlencode "token=$token" "$base/oauth/introspect")
if ! grep -q '"active" *: *true' <<<"$introspection"; then
  echo "error: the fresh token does not introspect as active: $introspection" >&2
  exit 1
fi

wrk_args=(-t"$threads" -c"$connections" -d"${duration}s" --latency)

# measure NAME [wrk options] URL: runs wrk (after a short warm-up) and sets
# the globals rps, p50, p99, non2xx and sockerr from its output.
measure() {
  local name=$1 out
  shift
  if [ "$warmup" != 0 ]; then
    wrk -t"$threads" -c"$connections" -d"${warmup}s" "$@" >/dev/null ||
      { echo "error: wrk warm-up failed for $name" >&2; exit 1; }
  fi
  out="$work/wrk-$name.txt"
  if ! wrk "${wrk_args[@]}" "$@" >"$out" 2>&1; then
    echo "error: wrk failed for $name:" >&2
    cat "$out" >&2
    exit 1
  fi
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  p50=$(awk '$1 == "50%" { print $2 }' "$out")
  p99=$(awk '$1 == "99%" { print $2 }' "$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
  non2xx=${non2xx:-0}
  # "Socket errors: connect 0, read 0, write 0, timeout 0" appears only when any.
  sockerr=$(awk '/Socket errors:/ { n = 0; for (k = 1; k <= NF; k++) if ($k ~ /^[0-9]+,?$/) n += $k; print n }' "$out")
  sockerr=${sockerr:-0}
  printf '    %-12s %s req/s, p50 %s, p99 %s, non-2xx %s, socket errors %s\n' \
    "$name" "$rps" "$p50" "$p99" "$non2xx" "$sockerr"
}

echo "==> wrk ${wrk_args[*]} (threads $threads, connections $connections, ${duration} s each," \
  "warm-up ${warmup} s) on $(nproc) cores shared with the server"
echo "    server runs with RUST_LOG=warn, so no per-request log lines are written"

measure healthz "$base/healthz"
h=("$rps" "$p50" "$p99" "$non2xx" "$sockerr")

BENCH_BODY="grant_type=client_credentials" BENCH_AUTH="$auth" \
  measure token -s scripts/bench/post.lua "$base/oauth/token"
t=("$rps" "$p50" "$p99" "$non2xx" "$sockerr")

BENCH_BODY="token=$token" BENCH_AUTH="$auth" \
  measure introspect -s scripts/bench/post.lua "$base/oauth/introspect"
i=("$rps" "$p50" "$p99" "$non2xx" "$sockerr")

rss_after=$(rss_mib)

pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f%%", 100 * a / b; else print "n/a" }'; }
row='%-14s %10s %9s %9s %8s %8s%s\n'
echo
echo "nproc: $(nproc)   wrk ${wrk_args[*]}   warm-up ${warmup} s   server RUST_LOG=warn"
# shellcheck disable=SC2059  # the format is ours
printf "$row" endpoint 'req/s' p50 p99 non-2xx sockerr ''
# shellcheck disable=SC2059
printf "$row" 'healthz' "${h[@]}" ''
# shellcheck disable=SC2059
printf "$row" 'token (cc)' "${t[@]}" "   ($(pct "${t[0]}" "${h[0]}") of healthz)"
# shellcheck disable=SC2059
printf "$row" 'introspect' "${i[@]}" "   ($(pct "${i[0]}" "${h[0]}") of healthz)"
echo "RSS idle: ${rss_idle} MiB   RSS after load: ${rss_after} MiB"

bad=$((h[3] + t[3] + i[3] + h[4] + t[4] + i[4]))
if [ "$bad" -ne 0 ]; then
  echo "warning: $bad requests failed (non-2xx or socket errors); raw wrk output was:" >&2
  cat "$work"/wrk-*.txt >&2
fi
