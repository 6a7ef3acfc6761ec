#!/usr/bin/env bash
# Idempotent install of the Python MCP SDK (PyPI mcp, with starlette and uvicorn) into ./.venv, exact versions from requirements.txt.
set -euo pipefail
exec "$(dirname "$0")/../venv-install.sh" "$(cd "$(dirname "$0")" && pwd)" mcp
