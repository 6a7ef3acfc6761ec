#!/usr/bin/env bash
# Usage: start.sh PORT -- Python MCP SDK auth routes (DCR at /register) in the foreground on 127.0.0.1:PORT
set -euo pipefail
cd "$(dirname "$0")"
PORT="${1:?usage: start.sh PORT}"
[ -x .venv/bin/python ] || { echo "run ./install.sh first" >&2; exit 1; }
exec .venv/bin/python app.py "$PORT"
