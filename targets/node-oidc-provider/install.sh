#!/usr/bin/env bash
# Installs the pinned oidc-provider from npm into this folder (idempotent).
set -euo pipefail
cd "$(dirname "$0")"
if [ -f node_modules/oidc-provider/package.json ] && \
   [ "$(node -p "require('./node_modules/oidc-provider/package.json').version")" = "9.13.3" ]; then
  exit 0
fi
npm install --no-audit --no-fund --loglevel=error
