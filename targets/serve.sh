#!/usr/bin/env bash
# Start and stop the real DCR servers in this folder, on 127.0.0.1 only.
#
#   targets/serve.sh start NAME...   install (each NAME/install.sh) and start each target on a free
#                                    127.0.0.1 port; wait until it answers; print `NAME URL PID` per
#                                    target on stdout (URL = full registration endpoint URL)
#   targets/serve.sh stop PID...     stop servers started by `start` (TERM, then KILL after 5 s)
#   targets/serve.sh list            print the known target names
#
# Everything but the `NAME URL PID` lines goes to stderr, so `$(targets/serve.sh start ...)` is safe.
# If one target fails to start, the ones this call already started are stopped, the tail of the
# failing target's log is printed to stderr, and the exit code is 1.
# Environment: SERVE_TIMEOUT (seconds to wait for each server to answer, default 30);
# SERVE_LOG_DIR (where server logs go, default ${TMPDIR:-/tmp}); variables such as DCR_RATE_LIMIT
# are passed on to the servers.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
TIMEOUT="${SERVE_TIMEOUT:-30}"
LOG_DIR="${SERVE_LOG_DIR:-${TMPDIR:-/tmp}}"
NAMES="node-oidc-provider authlib mcp-ts-sdk mcp-python-sdk better-auth pyoidc"

say() { echo "serve.sh: $*" >&2; }

# Path of the registration endpoint of each target (relative to http://127.0.0.1:PORT).
endpoint_path() {
  case "$1" in
    node-oidc-provider) echo /reg ;;
    authlib | mcp-ts-sdk | mcp-python-sdk) echo /register ;;
    better-auth) echo /api/auth/oauth2/register ;;
    pyoidc) echo /registration ;;
    *) return 1 ;;
  esac
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# 0 once anything answers HTTP on the origin (any status); "/" is used so that no rate limit on the
# registration endpoint is spent.
answers() {
  local code
  code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$1/" 2>/dev/null || true)"
  [ -n "$code" ] && [ "$code" != 000 ]
}

stop_pids() {
  local pid i
  for pid in "$@"; do
    case "$pid" in '' | *[!0-9]*) say "not a PID: '$pid'"; continue ;; esac
    kill -TERM "$pid" 2>/dev/null || continue
  done
  for pid in "$@"; do
    case "$pid" in '' | *[!0-9]*) continue ;; esac
    for i in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      say "PID $pid still running after 5 s, sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

STARTED=()
fail() { # NAME LOG MESSAGE
  say "$1: $3"
  if [ -n "$2" ] && [ -f "$2" ]; then
    say "--- last 30 lines of $2 ---"
    tail -n 30 "$2" >&2 || true
    say "--- end of log ---"
  fi
  if [ "${#STARTED[@]}" -gt 0 ]; then stop_pids "${STARTED[@]}"; fi
  exit 1
}

start_one() {
  local name="$1" dir="$HERE/$1" path port log pid waited=0
  path="$(endpoint_path "$name")" || fail "$name" "" "unknown target (known: $NAMES)"
  [ -x "$dir/install.sh" ] || fail "$name" "" "no $dir/install.sh"
  say "$name: installing"
  "$dir/install.sh" >&2 </dev/null || fail "$name" "" "install.sh failed"
  port="$(free_port)"
  mkdir -p "$LOG_DIR"
  log="$LOG_DIR/dcrcheck-target-$name-$port.log"
  if [ "$name" = node-oidc-provider ]; then
    (cd "$dir" && exec node provider.mjs "$port") >"$log" 2>&1 </dev/null &
  else
    "$dir/start.sh" "$port" >"$log" 2>&1 </dev/null &
  fi
  pid=$!
  STARTED+=("$pid")
  say "$name: started PID $pid on 127.0.0.1:$port (log $log)"
  while ! answers "$port"; do
    kill -0 "$pid" 2>/dev/null || fail "$name" "$log" "server exited before answering"
    if [ "$waited" -ge $((TIMEOUT * 10)) ]; then
      fail "$name" "$log" "no answer on 127.0.0.1:$port within ${TIMEOUT} s"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  echo "$name http://127.0.0.1:$port$path $pid"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  start)
    [ $# -gt 0 ] || { say "usage: serve.sh start NAME... (known: $NAMES)"; exit 2; }
    for name in "$@"; do start_one "$name"; done
    ;;
  stop)
    [ $# -gt 0 ] || { say "usage: serve.sh stop PID..."; exit 2; }
    stop_pids "$@"
    ;;
  list)
    for name in $NAMES; do echo "$name"; done
    ;;
  *)
    say "usage: serve.sh start NAME... | stop PID... | list"
    exit 2
    ;;
esac
