#!/usr/bin/env bash
# The reference server as a load target: wrk sends registrations to `dcrcheck serve` on
# 127.0.0.1 for SERVE_LOAD_SECS seconds (default 120: over a million registrations on a
# 2-core machine), with the server's resident memory read from /proc before, every 10 s
# during, and after. The store keeps at most 100,000 clients and 256 MiB of
# records (docs/robustness.md), so memory must level off however many registrations arrive.
#
# Usage: scripts/serve-load.sh            SERVE_LOAD_SECS=120 WRK_CONNECTIONS=32
# Needs wrk and python3; uses target/release/dcrcheck (built if missing). Prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null 2>&1 || { echo "serve-load.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }
secs=${SERVE_LOAD_SECS:-120}
connections=${WRK_CONNECTIONS:-32}
bin=target/release/dcrcheck
[ -x "$bin" ] || cargo build --release --quiet
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --port "$port" > /tmp/dcrcheck-serve-load.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/register" && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
hwm() { awk '/VmHWM/ {print $2}' "/proc/$pid/status"; }
lua=$(mktemp --suffix=.lua)
# Every body differs a little, so no two registrations are the same request.
cat > "$lua" <<LUA
local sent = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  sent = sent + 1
  return wrk.format(nil, "/register", nil,
    '{"redirect_uris":["https://client.example.org/cb"],"client_name":"load-' .. sent .. '"}')
end
LUA
echo "| registrations sent | server RSS (MB) | peak RSS (MB) |"
echo "|---:|---:|---:|"
echo "| 0 | $(( $(rss) / 1024 )) | $(( $(hwm) / 1024 )) |"
start=$(date +%s)
wrk -t2 -c"$connections" -d"${secs}s" -s "$lua" "http://127.0.0.1:$port" > /tmp/dcrcheck-serve-load-wrk.txt 2>&1 &
wrk_pid=$!
while kill -0 $wrk_pid 2>/dev/null; do
  sleep 10
  kill -0 $wrk_pid 2>/dev/null || break
  echo "| (after $(( $(date +%s) - start )) s) | $(( $(rss) / 1024 )) | $(( $(hwm) / 1024 )) |"
done
wait $wrk_pid || true
done_requests=$(awk '/requests in/ {print $1}' /tmp/dcrcheck-serve-load-wrk.txt)
echo "| $done_requests in ${secs} s | $(( $(rss) / 1024 )) | $(( $(hwm) / 1024 )) |"
grep -E "Non-2xx|Socket errors" /tmp/dcrcheck-serve-load-wrk.txt || true
rm -f "$lua"
