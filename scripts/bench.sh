#!/usr/bin/env bash
# End-to-end throughput and memory of `dcrcheck run` against the reference server
# (`dcrcheck serve`) on 127.0.0.1, next to what wrk gets from the same server with one fixed
# valid registration. The ratio dcrcheck/wrk is the figure to compare across machines; the
# absolute numbers depend on the machine and on whatever else it is doing.
#
# Usage: scripts/bench.sh
#   BENCH_CASES="10000 100000 200000"  generated cases per run (1000000 works but is slow)
#   DCRCHECK=path                       the dcrcheck binary (default: target/release/dcrcheck,
#                                       built with `cargo build --release` if missing)
#   BENCH_JOBS=64                       dcrcheck -j
#   WRK_THREADS=2 WRK_CONNECTIONS=64 WRK_DURATION=10s
#
# Needs wrk, GNU time (/usr/bin/time) and python3; installs nothing. Prints one markdown table
# on stdout (progress on stderr) and exits 0; exit 2 when a tool is missing, 1 when a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ -x /usr/bin/time ] || missing+=(time)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "bench.sh: missing: ${missing[*]}. Install with:" >&2
  echo "  apt-get install wrk time" >&2
  exit 2
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "bench.sh: python3 is needed to read the reports" >&2
  exit 2
fi

cases_list=${BENCH_CASES:-10000 100000 200000}
jobs=${BENCH_JOBS:-64}
wrk_threads=${WRK_THREADS:-2}
wrk_connections=${WRK_CONNECTIONS:-64}
wrk_duration=${WRK_DURATION:-10s}
body='{"redirect_uris":["https://client.example.org/cb"],"client_name":"dcr-harness"}'

if [ -n "${DCRCHECK:-}" ]; then
  bin=$DCRCHECK
  [ -x "$bin" ] || { echo "bench.sh: DCRCHECK=$bin is not an executable file" >&2; exit 2; }
else
  bin=target/release/dcrcheck
  if [ ! -x "$bin" ]; then
    echo "bench.sh: $bin missing, running cargo build --release" >&2
    cargo build --release --quiet
  fi
fi

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dcrcheck-bench.XXXXXX")
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
cleanup() { stop_server; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts a fresh reference server (empty client store) on a free loopback port and sets $url.
# `serve --port 0` binds a free port and announces it on stderr once it listens.
start_server() {
  local log="$tmp/serve.log"
  : > "$log"
  "$bin" serve --port 0 > /dev/null 2> "$log" &
  server_pid=$!
  url=""
  for _ in $(seq 1 200); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/register' "$log" | head -n 1 || true)
    [ -n "$url" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$url" ]; then
    echo "bench.sh: the reference server did not start:" >&2
    cat "$log" >&2
    exit 1
  fi
}

# wrk: one fixed valid registration, over and over.
cat > "$tmp/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
EOF
start_server
echo "bench.sh: wrk -t$wrk_threads -c$wrk_connections -d$wrk_duration against $url" >&2
wrk -t"$wrk_threads" -c"$wrk_connections" -d"$wrk_duration" -s "$tmp/post.lua" "$url" > "$tmp/wrk.out"
stop_server
wrk_rps=$(awk '/^Requests\/sec:/ {print $2}' "$tmp/wrk.out")
if [ -z "$wrk_rps" ]; then
  echo "bench.sh: no Requests/sec in the wrk output:" >&2
  cat "$tmp/wrk.out" >&2
  exit 1
fi
if grep -q -e 'Non-2xx' -e 'Socket errors' "$tmp/wrk.out"; then
  echo "bench.sh: warning: wrk saw errors:" >&2
  grep -e 'Non-2xx' -e 'Socket errors' "$tmp/wrk.out" >&2
fi

rows=()
for n in $cases_list; do
  start_server
  echo "bench.sh: dcrcheck run --cases $n -j $jobs against $url" >&2
  set +e
  /usr/bin/time -v -o "$tmp/time.$n" \
    "$bin" run --target "$url" --cases "$n" -j "$jobs" --seed 1 --shrink-budget 0 --quiet \
    --report-json "$tmp/report.$n.json" > "$tmp/run.$n.out" 2> "$tmp/run.$n.err"
  code=$?
  set -e
  stop_server
  # 0 and 1 are finished runs (1: findings, which do not matter here); 2 and 3 are not.
  if [ "$code" -ne 0 ] && [ "$code" -ne 1 ]; then
    echo "bench.sh: dcrcheck run --cases $n exited $code:" >&2
    cat "$tmp/run.$n.err" "$tmp/run.$n.out" >&2
    exit 1
  fi
  rows+=("$(python3 - "$n" "$tmp/time.$n" "$tmp/report.$n.json" "$wrk_rps" <<'PY'
import json, sys
n, time_path, report_path, wrk_rps = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
wall = rss_kb = None
for line in open(time_path):
    key, _, value = line.strip().rpartition(": ")
    if key.startswith("Elapsed (wall clock) time"):
        secs = 0.0
        for part in value.split(":"):
            secs = secs * 60 + float(part)
        wall = secs
    elif key == "Maximum resident set size (kbytes)":
        rss_kb = int(value)
requests = json.load(open(report_path))["summary"]["requests"]
rps = requests / wall
print(f"| {int(n)} | {requests} | {wall:.2f} | {rss_kb / 1024:.1f} | {rps:.0f} | {wrk_rps:.0f} | {rps / wrk_rps:.3f} |")
PY
)")
done

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  commit="$commit (work tree modified)"
fi
if [ -n "${DCRCHECK:-}" ]; then
  # A binary from elsewhere: this checkout's commit says nothing about it.
  commit="from DCRCHECK ($("$bin" --version 2>/dev/null || echo "version unknown")); this checkout is at $commit"
fi
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)

echo "| cases | requests | wall s | peak RSS MB | dcrcheck req/s | wrk req/s | ratio (dcrcheck/wrk) |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
echo "Machine: $(nproc) CPUs, ${cpu:-unknown CPU}, Linux $(uname -r); dcrcheck $commit ($bin, built $(date -r "$bin" '+%Y-%m-%d %H:%M')); $(date '+%Y-%m-%d'); dcrcheck -j $jobs, wrk -t$wrk_threads -c$wrk_connections -d$wrk_duration; load average $load_before before, $load_after after; peak RSS is dcrcheck's (MB = 2^20 bytes), wall includes generation, judging and the report."
