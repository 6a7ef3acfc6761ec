#!/usr/bin/env bash
# Usage: start.sh PORT -- better-auth oauth-provider (DCR at /api/auth/oauth2/register) in the foreground
# on 127.0.0.1:PORT. DCR_RATE_LIMIT=default sets NODE_ENV=production, which turns on better-auth's
# rate limiter (the plugin's default for /oauth2/register: 5 requests per 60 s); otherwise it is off.
set -euo pipefail
cd "$(dirname "$0")"
PORT="${1:?usage: start.sh PORT}"
[ -d node_modules/@better-auth/oauth-provider ] || { echo "run ./install.sh first" >&2; exit 1; }
if [ "${DCR_RATE_LIMIT:-off}" = default ]; then export NODE_ENV=production; else unset NODE_ENV; fi
exec node server.mjs "$PORT"
