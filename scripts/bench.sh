#!/usr/bin/env bash
# Benchmark: a release build on a fresh database, driven by wrk on loopback,
# with the server pinned to one CPU and wrk to another (taskset), beside a
# bare actix-web ceiling (examples/bench_ceiling.rs) measured in the same run.
#
# Each row prints req/s, p50/p99 latency, the ratio to the ceiling's
# matching route (a bare GET, or a form POST answered with JSON) and the
# server's CPU time per request. Rows: /healthz, the client-credentials
# token request (a durable write each), introspection of a live token, the
# signed-in authorization request (a durable code each), the
# authorization-code exchange, refresh-token rotation and userinfo.
#
# Then the store is pre-filled with BENCH_PREFILL tokens (1,000,000), the
# server is killed with SIGKILL half-way and started again on the same
# data, every token it acknowledged is introspected, and the token and
# introspection rows are repeated. Memory: RSS idle, after each phase and
# the peak; the data directory's size per live token; and what the sweeper
# gives back once the pre-filled tokens expire.
#
# Last, the token and introspection rows on PostgreSQL: one instance, and
# two instances on one database driven at once. The script runs itself under
# `pg_virtualenv -t` for that (Debian's postgresql package, installed when
# missing: a throwaway cluster on loopback, removed afterwards), unless PG*
# variables name a server already. BENCH_POSTGRES=0 skips this part.
#
#   ./scripts/bench.sh                       # 64 connections, 10 s per row
#   BENCH_CONNECTIONS=16 BENCH_DURATION=5 ./scripts/bench.sh
#   BENCH_PREFILL=0 ./scripts/bench.sh       # no pre-fill, no kill -9
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
prefill=${BENCH_PREFILL:-1000000}
threads=2
client_id=bench
client_secret=bench-secret-123
redirect=http://127.0.0.1:9000/cb
# A PKCE verifier and its S256 challenge (RFC 7636 §4.2).
verifier=gatehouse-bench-verifier-0123456789abcdefghijklmnop
challenge=5Dw496WdaDFdvPyxwAo-5fw-20z9G09NeDJsW4WHlnw

for tool in wrk curl; do
  command -v "$tool" >/dev/null || install_debian "$tool"
done

# One CPU for the server (and the ceiling), another for wrk.
if [ "$(nproc)" -ge 2 ]; then
  server_cpu=${BENCH_SERVER_CPU:-0}
  load_cpu=${BENCH_LOAD_CPU:-1}
  pin_server=(taskset -c "$server_cpu")
  pin_load=(taskset -c "$load_cpu")
  placement="server on CPU $server_cpu, wrk on CPU $load_cpu"
else
  pin_server=() pin_load=()
  placement="one CPU: server and wrk share it (no pinning)"
fi

# BENCH_BIN: another server binary, such as one built with line tables for
# BENCH_PERF (CARGO_PROFILE_RELEASE_DEBUG=line-tables-only).
server_bin=${BENCH_BIN:-target/release/gatehouse}
echo "==> cargo build --release --bin gatehouse --example bench_ceiling"
cargo build --release --quiet --bin gatehouse --example bench_ceiling

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

# fsync_us DIR: microseconds per 4 KiB write + fdatasync on DIR's disk (dd),
# since every durable write waits for one and their cost varies from run to run.
fsync_us() {
  local out
  out=$(dd if=/dev/zero of="$1/fsync-probe" bs=4k count=500 oflag=dsync 2>&1 | awk '/copied/ { print $(NF-3) }')
  rm -f "$1/fsync-probe"
  awk -v s="$out" 'BEGIN { printf "%.0f", s * 1e6 / 500 }'
}

cat >"$work/seed.json" <<JSON
{"users": [{"username": "alice", "password": "alice-bench-password", "email": "alice@example.org", "name": "Alice"}],
 "clients": [{"client_id": "$client_id", "client_secret": "$client_secret", "client_name": "Bench",
              "grant_types": ["client_credentials"], "token_endpoint_auth_method": "client_secret_basic",
              "scope": "read"},
             {"client_id": "prefill", "client_secret": "$client_secret", "client_name": "Pre-fill",
              "grant_types": ["client_credentials"], "token_endpoint_auth_method": "client_secret_basic",
              "scope": "read", "access_token_ttl": ${BENCH_PREFILL_TTL:-600}},
             {"client_id": "web", "client_secret": "$client_secret", "client_name": "Web",
              "redirect_uris": ["$redirect"], "grant_types": ["authorization_code", "refresh_token"],
              "response_types": ["code"], "token_endpoint_auth_method": "client_secret_basic",
              "scope": "openid profile email read offline_access"}],
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

# wait_ready URL PID NAME: waits up to 20 s for URL to answer while PID lives.
wait_ready() {
  for _ in $(seq 1 200); do
    if ! kill -0 "$2" 2>/dev/null; then break; fi
    if curl -fs -o /dev/null "$1"; then return 0; fi
    sleep 0.1
  done
  echo "error: $3 did not answer $1 within 20 s; its log:" >&2
  cat "$work/$3.log" >&2
  exit 1
}

# start_server NAME [PORT [serve options]]: starts a pinned release server
# with its own data directory and the seed (on a free port unless PORT is
# given); sets server_pid, port and base.
start_server() {
  local name=$1
  port=${2:-$(free_port)}
  shift $(($# < 2 ? $# : 2))
  base="http://127.0.0.1:$port"
  echo "==> starting $server_bin ($name) on 127.0.0.1:$port (RUST_LOG=warn)"
  RUST_LOG=warn "${pin_server[@]}" "$server_bin" serve --addr "127.0.0.1:$port" \
    --data "$work/$name" --seed "$work/seed.json" --code-ttl 600 "$@" >>"$work/$name.log" 2>&1 &
  server_pid=$!
  server_pids+=("$server_pid")
  wait_ready "$base/healthz" "$server_pid" "$name"
}

rss_mib() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/${1:-$server_pid}/status"; }
peak_mib() { awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/${1:-$server_pid}/status"; }
# cpu_ticks PID: user + system time in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
data_bytes() { du -sb "$1" | cut -f1; }

auth=$(printf '%s' "$client_id:$client_secret" | base64)
web_auth=$(printf '%s' "web:$client_secret" | base64)

# json_field NAME: the string field NAME of the JSON object on stdin.
json_field() { sed -n "s/.*\"$1\" *: *\"\\([^\"]*\\)\".*/\\1/p"; }

# fresh_token: one client-credentials access token, checked to introspect
# active; sets token.
fresh_token() {
  local introspection
  token=$(curl -fsS -u "$client_id:$client_secret" -d grant_type=client_credentials "$base/oauth/token" | json_field access_token)
  if [ -z "$token" ]; then
    echo "error: no access_token from POST $base/oauth/token" >&2
    exit 1
  fi
  introspection=$(curl -fsS -u "$client_id:$client_secret" --data-urlencode "token=$token" "$base/oauth/introspect")
  if ! grep -q '"active" *: *true' <<<"$introspection"; then
    echo "error: the fresh token does not introspect as active: $introspection" >&2
    exit 1
  fi
}

# hidden_fields: the hidden inputs of the HTML on stdin as NAME=VALUE
# lines, each once (a page's forms repeat the CSRF token).
hidden_fields() {
  grep -o '<input type="hidden" name="[^"]*" value="[^"]*"' |
    sed 's/.*name="\([^"]*\)" value="\([^"]*\)"/\1=\2/; s/&amp;/\&/g' | sort -u
}

# sign_in: signs alice in with a cookie jar ($work/cookies) and sets
# cookie (the Cookie header wrk sends).
sign_in() {
  local jar="$work/cookies" page args=() field
  page=$(curl -fsS -c "$jar" -b "$jar" "$base/login")
  while IFS= read -r field; do args+=(--data-urlencode "$field"); done < <(hidden_fields <<<"$page")
  curl -fsS -o /dev/null -c "$jar" -b "$jar" "${args[@]}" \
    --data-urlencode username=alice --data-urlencode password=alice-bench-password "$base/login"
  cookie=$(awk '$0 !~ /^#/ || $0 ~ /^#HttpOnly_/ { if (NF >= 7) printf "%s%s=%s", (n++ ? "; " : ""), $6, $7 }' "$jar")
}

# authorize_path SCOPE: an authorization request of `web` for SCOPE (PKCE S256).
authorize_path() {
  echo "/oauth/authorize?response_type=code&client_id=web&redirect_uri=${redirect//:/%3A}&scope=${1// /%20}&state=bench&code_challenge=$challenge&code_challenge_method=S256"
}

# code_at PATH: the code that the authorization request PATH answers with at
# once (consent already given), or nothing.
code_at() {
  curl -sS -o /dev/null -w '%{redirect_url}' -b "$work/cookies" "$base$1" | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p'
}

# consent PATH: allows the consent form of the authorization request PATH,
# then checks that PATH now answers 302 with a code at once.
consent() {
  local jar="$work/cookies" page args=() field
  page=$(curl -fsS -c "$jar" -b "$jar" "$base$1")
  while IFS= read -r field; do args+=(--data-urlencode "$field"); done < <(hidden_fields <<<"$page")
  curl -sS -o /dev/null -c "$jar" -b "$jar" "${args[@]}" --data-urlencode decision=allow "$base/oauth/authorize"
  if [ -z "$(code_at "$1")" ]; then
    echo "error: after consent, $1 does not answer with a code" >&2
    exit 1
  fi
}

wrk_args=(-t"$threads" -c"$connections" -d"${duration}s" --latency)

# measure NAME PID [wrk options] URL: runs wrk against the process PID
# (after a short warm-up unless NO_WARMUP is set) and sets rps, p50, p99,
# non2xx, sockerr and cpu_us (the process's CPU microseconds per request).
measure() {
  local name=$1 pid=$2 out before after requests
  shift 2
  if [ "$warmup" != 0 ] && [ -z "${NO_WARMUP:-}" ]; then
    "${pin_load[@]}" wrk -t"$threads" -c"$connections" -d"${warmup}s" "$@" >/dev/null ||
      { echo "error: wrk warm-up failed for $name" >&2; exit 1; }
  fi
  out="$work/wrk-$name.txt"
  before=$(cpu_ticks "$pid")
  local args=("${wrk_args[@]}")
  # RUN_SECONDS: a longer bound for rows whose script stops by itself.
  if [ -n "${RUN_SECONDS:-}" ]; then args=(-t"$threads" -c"$connections" -d"${RUN_SECONDS}s" --latency); fi
  # BENCH_PERF="NAME …": records the server with perf during the rows
  # named, into target/perf-NAME.data (perf report -i target/perf-NAME.data).
  local perf_pid=
  if [[ " ${BENCH_PERF:-} " == *" $name "* ]]; then
    perf record -F 499 --call-graph dwarf,16384 -p "$pid" -o "target/perf-$name.data" >"$work/perf-$name.log" 2>&1 &
    perf_pid=$!
  fi
  if ! "${pin_load[@]}" wrk "${args[@]}" "$@" >"$out" 2>&1; then
    echo "error: wrk failed for $name:" >&2
    cat "$out" >&2
    exit 1
  fi
  after=$(cpu_ticks "$pid")
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid" 2>/dev/null || { echo "error: perf ended early:" >&2; cat "$work/perf-$name.log" >&2; }
    wait "$perf_pid" || true
  fi
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  p50=$(awk '$1 == "50%" { print $2 }' "$out")
  p99=$(awk '$1 == "99%" { print $2 }' "$out")
  requests=$(awk '/requests in/ { print $1 }' "$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
  non2xx=${non2xx:-0}
  # "Socket errors: connect 0, read 0, write 0, timeout 0" appears only when any.
  sockerr=$(awk '/Socket errors:/ { n = 0; for (k = 1; k <= NF; k++) if ($k ~ /^[0-9]+,?$/) n += $k; print n }' "$out")
  sockerr=${sockerr:-0}
  cpu_us=$(awk -v t=$((after - before)) -v hz="$hz" -v n="$requests" 'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print "n/a" }')
  printf '    %-16s %s req/s, p50 %s, p99 %s, non-2xx %s, socket errors %s, %s µs CPU/request\n' \
    "$name" "$rps" "$p50" "$p99" "$non2xx" "$sockerr" "$cpu_us"
}

rows=()
bad=0
# row LABEL CEILING_RPS [NOTE]: keeps the last measurement as a table row.
row() {
  local ratio
  ratio=$(awk -v a="$rps" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
  rows+=("$(printf '%-22s %10s %9s %9s %7s %8s %7s %s' "$1" "$rps" "$p50" "$p99" "$ratio" "$cpu_us" "$((non2xx + sockerr))" "${3:-}")")
  bad=$((bad + non2xx + sockerr))
}
# The fresh sled store's token and introspection req/s, for later ratios.
declare -A seen
ratio_of() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# token_rows SUFFIX PID BASE TOKEN_LABEL INTROSPECTION_LABEL [AGAINST]: the
# client-credentials token and introspection rows (wrk names token-SUFFIX
# and introspect-SUFFIX, or token and introspect) against the server PID at
# BASE. Without AGAINST they are the fresh store's rows that later ones are
# compared with; with it, each row's note is its ratio to those, "AGAINST".
token_rows() {
  local suffix=${1:+-$1} pid=$2 url=$3 against=${6:-} kind label body path
  for kind in token introspect; do
    if [ "$kind" = token ]; then
      label=$4 body="grant_type=client_credentials" path=/oauth/token
    else
      label=$5 body="token=$token" path=/oauth/introspect
    fi
    BENCH_BODY="$body" BENCH_AUTH="$auth" measure "$kind$suffix" "$pid" -s scripts/bench/post.lua "$url$path"
    if [ -n "$against" ]; then
      row "$label" "$ceil_post" "($(ratio_of "$rps" "${seen[$kind]}") $against)"
    else
      row "$label" "$ceil_post"
      seen[$kind]=$rps
    fi
  done
}

echo "==> wrk ${wrk_args[*]} (warm-up ${warmup} s); $placement"
echo "    fdatasync of a 4 KiB write on the data directory's disk: $(fsync_us "$work") µs"

# --- the ceiling: bare actix-web, same pinning ---
ceiling_port=$(free_port)
"${pin_server[@]}" target/release/examples/bench_ceiling "127.0.0.1:$ceiling_port" >"$work/ceiling.log" 2>&1 &
ceiling_pid=$!
server_pids+=("$ceiling_pid")
wait_ready "http://127.0.0.1:$ceiling_port/get" "$ceiling_pid" ceiling
measure ceiling-get "$ceiling_pid" "http://127.0.0.1:$ceiling_port/get"
ceil_get=$rps
row "ceiling GET" "$ceil_get"
BENCH_BODY="grant_type=client_credentials" BENCH_AUTH="$auth" \
  measure ceiling-post "$ceiling_pid" -s scripts/bench/post.lua "http://127.0.0.1:$ceiling_port/post"
ceil_post=$rps
row "ceiling form POST" "$ceil_post"
kill "$ceiling_pid"
wait "$ceiling_pid" 2>/dev/null || true

# --- Gatehouse on sled ---
start_server sled
sled_port=$port sled_pid=$server_pid
rss_idle=$(rss_mib)
fresh_token
sign_in
oauth_path=$(authorize_path "read offline_access")
consent "$oauth_path"
oidc_path=$(authorize_path "openid profile email")
consent "$oidc_path"
userinfo_token=$(curl -fsS -u "web:$client_secret" -d grant_type=authorization_code -d "code=$(code_at "$oidc_path")" \
  --data-urlencode "redirect_uri=$redirect" -d "code_verifier=$verifier" "$base/oauth/token" | json_field access_token)
[ -n "$userinfo_token" ] || { echo "error: no access token for userinfo" >&2; exit 1; }

measure healthz "$sled_pid" "$base/healthz"
row "/healthz" "$ceil_get"
token_rows "" "$sled_pid" "$base" "token (cc)" introspection
# The codes this row is answered with are redeemed by the exchange row
# (they live 600 s: --code-ttl), which is faster: this row runs three
# times as long, with no warm-up, so that each code is sent once.
NO_WARMUP=1 RUN_SECONDS=$((duration * 3)) BENCH_PATH="$oauth_path" BENCH_COOKIE="$cookie" BENCH_OUT="$work/codes" \
  measure authorize "$sled_pid" -s scripts/bench/codes.lua "$base/oauth/authorize"
row "authorize, signed in" "$ceil_get" "(302 with a code)"
NO_WARMUP=1 BENCH_IN="$work/codes" BENCH_OUT="$work/refresh" \
  BENCH_AUTH="$web_auth" BENCH_REDIRECT="${redirect//:/%3A}" BENCH_VERIFIER="$verifier" \
  measure code-exchange "$sled_pid" -s scripts/bench/exchange.lua "$base/oauth/token"
row "code exchange" "$ceil_post" "(PKCE, no openid)"
NO_WARMUP=1 BENCH_IN="$work/refresh" BENCH_AUTH="$web_auth" \
  measure refresh "$sled_pid" -s scripts/bench/refresh.lua "$base/oauth/token"
row "refresh rotation" "$ceil_post"
BENCH_HEADER="Authorization: Bearer $userinfo_token" \
  measure userinfo "$sled_pid" -s scripts/bench/get.lua "$base/oauth/userinfo"
row "userinfo" "$ceil_get"
rss_loads=$(rss_mib)
data_after_loads=$(data_bytes "$work/sled")

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

# --- the pre-fill, with a kill -9 half-way ---
notes=()
if [ "$prefill" -gt 0 ]; then
  prefill_auth=$(printf '%s' "prefill:$client_secret" | base64)
  ttl=${BENCH_PREFILL_TTL:-600}
  echo "==> pre-filling $prefill tokens (client prefill, tokens live $ttl s), kill -9 half-way"
  started=$(date +%s)
  # prefill_run PART LIMIT: wrk until LIMIT more tokens are acknowledged,
  # each written to $work/PART.<thread>; in the background (prefill_wrk).
  prefill_run() {
    # A subshell without the EXIT trap, which would otherwise clean up
    # when it ends.
    (
      trap - EXIT
      BENCH_BODY="grant_type=client_credentials" BENCH_AUTH="$prefill_auth" BENCH_THREADS=$threads \
        BENCH_LIMIT=$2 BENCH_OUT="$work/$1" exec "${pin_load[@]}" wrk -t"$threads" -c"$connections" -d3600s \
        -s scripts/bench/record.lua "$base/oauth/token" >"$work/wrk-$1.txt" 2>&1
    ) &
    prefill_wrk=$!
  }
  # lines_at_least N PART: whether $work/PART.* hold N lines in all.
  lines_at_least() { [ "$(cat "$work/$2".* 2>/dev/null | wc -l)" -ge "$1" ]; }
  # stop_when PID TEST...: waits until TEST succeeds or PID ends, then
  # ends PID: wrk's Lua stops its threads, but wrk itself sleeps out its
  # -d. SIGTERM, since wrk ignores SIGINT while it starts; the scripts
  # write down what they saw as they go, not at the end.
  stop_when() {
    local pid=$1
    shift
    while kill -0 "$pid" 2>/dev/null && ! "$@"; do sleep 0.2; done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  }
  prefill_run prefill-1 "$prefill"
  half=$((prefill / 2))
  while kill -0 "$prefill_wrk" 2>/dev/null && ! lines_at_least "$half" prefill-1; do
    sleep 0.5
  done
  rss_kill=$(rss_mib "$sled_pid")
  peak_kill=$(peak_mib "$sled_pid")
  # SIGKILL while 64 requests are in flight, then stop wrk (whose
  # connections do not come back by themselves).
  kill -9 "$sled_pid"
  wait "$sled_pid" 2>/dev/null || true
  stop_when "$prefill_wrk" true
  before_kill=$(cat "$work"/prefill-1.* | wc -l)
  echo "    SIGKILL after $before_kill acknowledged tokens (RSS then $rss_kill MiB); starting again on the same data"
  start_server sled "$sled_port"
  sled_pid=$server_pid
  rest=$((prefill > before_kill ? prefill - before_kill : 0))
  if [ "$rest" -gt 0 ]; then
    prefill_run prefill-2 "$rest"
    stop_when "$prefill_wrk" lines_at_least "$rest" prefill-2
  fi
  prefill_seconds=$(($(date +%s) - started))
  for k in $(seq 1 "$threads"); do
    cat "$work/prefill-1.$k" "$work/prefill-2.$k" >"$work/acknowledged.$k" 2>/dev/null || true
  done
  acknowledged=$(cat "$work"/acknowledged.* | wc -l)
  echo "    $acknowledged tokens acknowledged in ${prefill_seconds} s"
  rss_prefill=$(rss_mib "$sled_pid")
  data_prefill=$(data_bytes "$work/sled")
  echo "==> introspecting every acknowledged token"
  (
    trap - EXIT
    BENCH_IN="$work/acknowledged" BENCH_DONE="$work/verified" BENCH_AUTH="$prefill_auth" \
      exec "${pin_load[@]}" wrk -t"$threads" -c"$connections" -d3600s \
      -s scripts/bench/verify.lua "$base/oauth/introspect" >"$work/wrk-verify.txt" 2>&1
  ) &
  # verify.lua writes "checked N inactive M" to $work/verified.<thread>
  # when a thread is done.
  threads_done() { [ "$(find "$work" -maxdepth 1 -name 'verified.*' | wc -l)" -ge "$threads" ]; }
  stop_when $! threads_done
  read -r checked inactive < <(cat "$work"/verified.* 2>/dev/null |
    awk '{ c += $2; i += $4 } END { print c + 0, (NR ? i + 0 : "unknown") }')
  echo "    checked $checked, inactive $inactive"
  if [ "$checked" != "$acknowledged" ] || [ "$inactive" != 0 ]; then
    echo "error: after kill -9, $inactive of $acknowledged acknowledged tokens are not active (checked $checked)" >&2
    cat "$work/wrk-verify.txt" >&2
    exit 1
  fi
  fresh_token
  token_rows prefilled "$sled_pid" "$base" "token, pre-filled" "introspection, pre-f." "of the fresh store's"
  rss_prefill_loads=$(rss_mib "$sled_pid")
  data_prefill_loads=$(data_bytes "$work/sled")
  # Every token of the runs so far is still live (access tokens live an hour).
  live=$((acknowledged + $(cat "$work"/wrk-token.txt "$work"/wrk-token-prefilled.txt | awk '/requests in/ { n += $1 } END { print n }')))
  wait_for=$((started + ttl + 75 - $(date +%s)))
  echo "==> waiting ${wait_for} s for the pre-filled tokens to expire and the sweeper (every 60 s) to take them"
  sleep "$wait_for"
  data_swept=$(data_bytes "$work/sled")
  rss_swept=$(rss_mib "$sled_pid")
  notes+=("pre-fill: $acknowledged tokens acknowledged in ${prefill_seconds} s with a kill -9 after $before_kill; after the restart $checked introspected, $inactive inactive")
  notes+=("data directory: $(mib "$data_after_loads") after the loads; $(mib "$data_prefill_loads") after the pre-fill and its loads, $((data_prefill_loads / live)) bytes per live token (at most $live live); $(mib "$data_swept") once the pre-fill was swept")
  notes+=("RSS: ${rss_kill} MiB at the kill (peak ${peak_kill}); after the restart ${rss_prefill} MiB, ${rss_prefill_loads} MiB after the loads, ${rss_swept} MiB once swept; peak since the restart $(peak_mib "$sled_pid") MiB")
fi
notes=("RSS: ${rss_idle} MiB idle, ${rss_loads} MiB after the loads on the fresh store" "${notes[@]}")
kill "$sled_pid"
wait "$sled_pid" 2>/dev/null || true
server_pids=()

# --- PostgreSQL ---
if [ "$postgres" != 0 ]; then
  db="gatehouse_bench_$$"
  # pg_virtualenv turns fsync off for speed; every acknowledged write is
  # to be durable here as it is on sled. PostgreSQL runs unpinned: its
  # backends are the store, as sled's threads are inside the server.
  psql -qc "ALTER SYSTEM SET fsync = on" -c "SELECT pg_reload_conf()" postgres >/dev/null
  psql -qc "CREATE DATABASE $db" postgres
  store="postgres://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$db?sslmode=disable"
  start_server pg-a "" --store "$store"
  a_base=$base a_pid=$server_pid
  fresh_token
  token_rows pg "$a_pid" "$a_base" "pg token (cc)" "pg introspection" "of sled's"
  start_server pg-b "" --store "$store"
  b_base=$base b_pid=$server_pid
  # pair_half NAME SIDE URL BODY: wrk with half the connections against
  # URL, into $work/pair-NAME-SIDE.txt.
  pair_half() {
    BENCH_BODY="$4" BENCH_AUTH="$auth" "${pin_load[@]}" wrk -t1 -c$((connections / 2)) -d"${duration}s" --latency \
      -s scripts/bench/post.lua "$3" >"$work/pair-$1-$2.txt" 2>&1
  }
  # measure_pair NAME BODY PATH: wrk against both instances at once, half
  # the connections each; prints the sum of their req/s.
  measure_pair() {
    local name=$1 body=$2 path=$3 ra rb wa
    (
      trap - EXIT
      pair_half "$name" a "$a_base$path" "$body"
    ) &
    wa=$!
    pair_half "$name" b "$b_base$path" "$body"
    wait "$wa"
    ra=$(awk '/^Requests\/sec:/ { print $2 }' "$work/pair-$name-a.txt")
    rb=$(awk '/^Requests\/sec:/ { print $2 }' "$work/pair-$name-b.txt")
    pair=$(awk -v a="$ra" -v b="$rb" 'BEGIN { printf "%.0f", a + b }')
    printf '    %-16s %s req/s (A %s + B %s)\n' "$name" "$pair" "$ra" "$rb"
  }
  # The second instance gets the other half of the server CPU's time: both
  # are pinned to it.
  measure_pair pg2-token "grant_type=client_credentials" /oauth/token
  notes+=("PostgreSQL, two instances on one database (both pinned to the server CPU): token $pair req/s in all")
  measure_pair pg2-introspect "token=$token" /oauth/introspect
  notes+=("PostgreSQL, two instances: introspection $pair req/s in all; RSS after the loads: A $(rss_mib "$a_pid") MiB, B $(rss_mib "$b_pid") MiB")
  notes+=("PostgreSQL $(psql -Atc 'SHOW server_version' postgres) on loopback (pg_virtualenv, fsync $(psql -Atc 'SHOW fsync' postgres), synchronous_commit $(psql -Atc 'SHOW synchronous_commit' postgres)), unpinned")
fi

echo
echo "$(date -u +%Y-%m-%d) $(git rev-parse --short HEAD 2>/dev/null || echo '?')   nproc $(nproc), $placement"
echo "wrk ${wrk_args[*]}, warm-up ${warmup} s; server RUST_LOG=warn; ratio = req/s over the ceiling's matching route"
printf '%-22s %10s %9s %9s %7s %8s %7s\n' row 'req/s' p50 p99 ratio 'µs CPU' failed
for line in "${rows[@]}"; do echo "$line"; done
for line in "${notes[@]}"; do echo "$line"; done
if [ "$bad" -ne 0 ]; then
  echo "warning: $bad requests failed (non-2xx or socket errors); the wrk output is in the rows above" >&2
fi
