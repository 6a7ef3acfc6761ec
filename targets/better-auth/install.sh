#!/usr/bin/env bash
# Idempotent install of better-auth + @better-auth/oauth-provider into ./node_modules,
# exactly as pinned in package-lock.json (npm ci). A second run only compares a stamp and returns.
set -euo pipefail
cd "$(dirname "$0")"
want="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [ -f node_modules/@better-auth/oauth-provider/package.json ] && \
   [ "$(cat node_modules/.dcr-stamp 2>/dev/null || true)" = "$want" ]; then
  echo "better-auth: already installed"; exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > node_modules/.dcr-stamp
echo "better-auth: installed better-auth $(node -p "require('./node_modules/better-auth/package.json').version")"
