#!/usr/bin/env bash
# How long a backup and a restore take: a release build on a fresh
# database, at least 100,000 client-credentials tokens issued with wrk,
# then `gatehouse backup` while the server runs and `gatehouse restore`.
set -euo pipefail
cd "$(dirname "$0")/.."
client_id=bench
client_secret=bench-secret-123
if ! command -v wrk >/dev/null; then
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --quiet
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cat >"$work/seed.json" <<JSON
{"clients": [{"client_id": "$client_id", "client_secret": "$client_secret",
              "grant_types": ["client_credentials"], "scope": "read"}],
 "scopes": [{"name": "read", "description": "Read", "default": true}]}
JSON
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
RUST_LOG=warn GATEHOUSE_METRICS_TOKEN=bench-metrics target/release/gatehouse serve --addr "127.0.0.1:$port" \
  --data "$work/db" --seed "$work/seed.json" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -fs -o /dev/null "$base/healthz" && break; sleep 0.1; done
auth=$(printf '%s' "$client_id:$client_secret" | base64)
cat >"$work/token.lua" <<LUA
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $auth"
LUA
tokens() {
  curl -fs -H "Authorization: Bearer bench-metrics" "$base/metrics" \
    | awk '/^gatehouse_records\{kind="tokens"\}/ { print $2 }'
}
while [ "$(tokens)" -lt 100000 ]; do
  wrk -t2 -c32 -d5s -s "$work/token.lua" "$base/oauth/token" >/dev/null
done
echo "tokens stored: $(tokens)"
echo "==> gatehouse backup (server running)"
/usr/bin/time -f "backup: %e s wall, %M KiB peak RSS of the command" \
  target/release/gatehouse backup --out "$work/all.backup" --data "$work/db"
ls -l "$work/all.backup" | awk '{ printf "backup file: %.1f MiB\n", $5 / 1048576 }'
echo "==> gatehouse restore"
/usr/bin/time -f "restore: %e s wall, %M KiB peak RSS" \
  target/release/gatehouse restore "$work/all.backup" --data "$work/restored"
