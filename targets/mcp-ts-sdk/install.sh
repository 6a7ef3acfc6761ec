#!/usr/bin/env bash
# Idempotent install of the MCP TypeScript SDK (@modelcontextprotocol/sdk, brings express) into ./node_modules,
# exactly as pinned in package-lock.json (npm ci). A second run only compares a stamp and returns.
set -euo pipefail
cd "$(dirname "$0")"
want="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [ -f node_modules/@modelcontextprotocol/sdk/package.json ] && \
   [ "$(cat node_modules/.dcr-stamp 2>/dev/null || true)" = "$want" ]; then
  echo "mcp-ts-sdk: already installed"; exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > node_modules/.dcr-stamp
echo "mcp-ts-sdk: installed @modelcontextprotocol/sdk $(node -p "require('./node_modules/@modelcontextprotocol/sdk/package.json').version")"
