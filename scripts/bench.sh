#!/usr/bin/env bash
# Benchmark: a release build on a fresh database, driven by wrk on loopback.
# Prints requests/s, p50/p99 latency and error counts for /healthz (the
# framework's ceiling), the client-credentials token request (a durable write
# each) and introspection, the ratio of each to /healthz, and the server's
# resident memory idle and after the load. Compare ratios within one run:
# wrk and the server share this machine's cores.
#
# Then the same token and introspection rows on the PostgreSQL store: one
# instance, and two instances on one database driven at once (half the
# connections each; their req/s added up). The script runs itself under
# `pg_virtualenv -t` for that (Debian's postgresql package, installed when
# missing: a throwaway cluster on loopback, removed afterwards), unless PG*
# variables name a server already. BENCH_POSTGRES=0 skips this part.
#
#   ./scripts/bench.sh                       # 64 connections, 10 s per endpoint
#   BENCH_CONNECTIONS=16 BENCH_DURATION=5 ./scripts/bench.sh
#   BENCH_WARMUP=0 ./scripts/bench.sh        # skip the 2 s warm-up runs
set -euo pipefail
cd "$(dirname "$0")/.."

# install_debian PACKAGE: installs a Debian package (with sudo when not root).
install_debian() {
  echo "==> installing $1 (Debian package)"
  local sudo_cmd=()
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq "$1" >/dev/null
}

postgres=${BENCH_POSTGRES:-1}
if [ "$postgres" != 0 ] && [ -z "${PGHOST:-}" ]; then
  if ! command -v pg_virtualenv >/dev/null; then
    install_debian postgresql
  fi
  exec pg_virtualenv -t "$0" "$@"
fi

connections=${BENCH_CONNECTIONS:-64}
duration=${BENCH_DURATION:-10}
warmup=${BENCH_WARMUP:-2}
threads=2
client_id=bench
client_secret=bench-secret-123

if ! command -v wrk >/dev/null; then
  install_debian wrk
fi

echo "==> cargo build --release"
cargo build --release --quiet

work=$(mktemp -d)
server_pids=()
cleanup() {
  for pid in "${server_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
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
free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  else
    echo $((18080 + ${#server_pids[@]}))
  fi
}

# start_server NAME [serve options]: starts a release server on a free port
# with its own data directory and the seed; sets server_pid and base.
start_server() {
  local name=$1 port
  shift
  port=$(free_port)
  base="http://127.0.0.1:$port"
  echo "==> starting target/release/gatehouse ($name) on 127.0.0.1:$port (RUST_LOG=warn)"
  RUST_LOG=warn target/release/gatehouse serve --addr "127.0.0.1:$port" --data "$work/$name" \
    --seed "$work/seed.json" "$@" >"$work/$name.log" 2>&1 &
  server_pid=$!
  server_pids+=("$server_pid")
  local ready=""
  for _ in $(seq 1 100); do
    if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
    if curl -fs -o /dev/null "$base/healthz"; then ready=1; break; fi
    sleep 0.1
  done
  if [ -z "$ready" ]; then
    echo "error: the server ($name) did not answer GET /healthz within 10 s; its log:" >&2
    cat "$work/$name.log" >&2
    exit 1
  fi
}

start_server sled
rss_mib() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/${1:-$server_pid}/status"; }
rss_idle=$(rss_mib)

# fresh_token: one access token from $base, checked to introspect active,
# for the introspection runs; sets token.
auth=$(printf '%s' "$client_id:$client_secret" | base64)
fresh_token() {
  local token_json introspection
  if ! token_json=$(curl -fsS -u "$client_id:$client_secret" -d grant_type=client_credentials "$base/oauth/token"); then
    echo "error: POST $base/oauth/token failed" >&2
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
}
fresh_token

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

if [ "$postgres" != 0 ]; then
  # The sled server is stopped first, so the PostgreSQL rows have the cores
  # it had.
  kill "${server_pids[0]}"
  wait "${server_pids[0]}" 2>/dev/null || true
  server_pids=()
  db="gatehouse_bench_$$"
  # pg_virtualenv turns fsync off for speed; every acknowledged write is
  # to be durable here as it is on sled.
  psql -qc "ALTER SYSTEM SET fsync = on" -c "SELECT pg_reload_conf()" postgres >/dev/null
  psql -qc "CREATE DATABASE $db" postgres
  store="postgres://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$db?sslmode=disable"
  start_server pg-a --store "$store"
  a_base=$base a_pid=$server_pid
  fresh_token
  BENCH_BODY="grant_type=client_credentials" BENCH_AUTH="$auth" \
    measure pg-token -s scripts/bench/post.lua "$a_base/oauth/token"
  pt=("$rps" "$p50" "$p99" "$non2xx" "$sockerr")
  BENCH_BODY="token=$token" BENCH_AUTH="$auth" \
    measure pg-introspect -s scripts/bench/post.lua "$a_base/oauth/introspect"
  pi=("$rps" "$p50" "$p99" "$non2xx" "$sockerr")
  start_server pg-b --store "$store"
  b_base=$base b_pid=$server_pid
  # measure_pair NAME BODY PATH: wrk against both instances at once, half
  # the connections each; sets pair to (sum req/s, p50 of A/B, p99 of A/B,
  # non-2xx, socket errors).
  measure_pair() {
    local name=$1 body=$2 path=$3 half=$((connections / 2)) ra rb
    BENCH_BODY="$body" BENCH_AUTH="$auth" wrk -t1 -c"$half" -d"${duration}s" --latency \
      -s scripts/bench/post.lua "$a_base$path" >"$work/wrk-$name-a.txt" 2>&1 &
    local wa=$!
    BENCH_BODY="$body" BENCH_AUTH="$auth" wrk -t1 -c"$half" -d"${duration}s" --latency \
      -s scripts/bench/post.lua "$b_base$path" >"$work/wrk-$name-b.txt" 2>&1
    wait "$wa"
    field() { awk "$1" "$2"; }
    ra=$(field '/^Requests\/sec:/ { print $2 }' "$work/wrk-$name-a.txt")
    rb=$(field '/^Requests\/sec:/ { print $2 }' "$work/wrk-$name-b.txt")
    pair=("$(awk -v a="$ra" -v b="$rb" 'BEGIN { printf "%.2f", a + b }')"
      "$(field '$1 == "50%" { print $2 }' "$work/wrk-$name-a.txt")/$(field '$1 == "50%" { print $2 }' "$work/wrk-$name-b.txt")"
      "$(field '$1 == "99%" { print $2 }' "$work/wrk-$name-a.txt")/$(field '$1 == "99%" { print $2 }' "$work/wrk-$name-b.txt")"
      "$(cat "$work/wrk-$name-a.txt" "$work/wrk-$name-b.txt" | awk '/Non-2xx or 3xx responses:/ { n += $NF } END { print n + 0 }')"
      "$(cat "$work/wrk-$name-a.txt" "$work/wrk-$name-b.txt" | awk '/Socket errors:/ { for (k = 1; k <= NF; k++) if ($k ~ /^[0-9]+,?$/) n += $k } END { print n + 0 }')")
    printf '    %-12s %s req/s (A+B), p50 %s, p99 %s, non-2xx %s, socket errors %s\n' \
      "$name" "${pair[@]}"
  }
  measure_pair pg2-token "grant_type=client_credentials" /oauth/token
  p2t=("${pair[@]}")
  measure_pair pg2-introspect "token=$token" /oauth/introspect
  p2i=("${pair[@]}")
  echo
  echo "PostgreSQL $(psql -Atc 'SHOW server_version' postgres) on loopback (pg_virtualenv," \
    "fsync $(psql -Atc 'SHOW fsync' postgres), synchronous_commit" \
    "$(psql -Atc 'SHOW synchronous_commit' postgres)), the same machine and wrk settings"
  # shellcheck disable=SC2059
  printf "$row" endpoint 'req/s' p50 p99 non-2xx sockerr ''
  # shellcheck disable=SC2059
  printf "$row" 'pg token' "${pt[@]}" "   ($(pct "${pt[0]}" "${t[0]}") of sled's)"
  # shellcheck disable=SC2059
  printf "$row" 'pg introspect' "${pi[@]}" "   ($(pct "${pi[0]}" "${i[0]}") of sled's)"
  # shellcheck disable=SC2059
  printf "$row" 'pg×2 token' "${p2t[@]}" "   ($(pct "${p2t[0]}" "${t[0]}") of sled's)"
  # shellcheck disable=SC2059
  printf "$row" 'pg×2 introsp.' "${p2i[@]}" "   ($(pct "${p2i[0]}" "${i[0]}") of sled's)"
  echo "RSS after load: instance A $(rss_mib "$a_pid") MiB, instance B $(rss_mib "$b_pid") MiB"
  bad=$((bad + pt[3] + pi[3] + pt[4] + pi[4] + p2t[3] + p2i[3] + p2t[4] + p2i[4]))
fi
if [ "$bad" -ne 0 ]; then
  echo "warning: $bad requests failed (non-2xx or socket errors); raw wrk output was:" >&2
  cat "$work"/wrk-*.txt >&2
fi
