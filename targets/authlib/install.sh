#!/usr/bin/env bash
# Idempotent install of Authlib + Flask + gunicorn into ./.venv, exact versions from requirements.txt.
set -euo pipefail
exec "$(dirname "$0")/../venv-install.sh" "$(cd "$(dirname "$0")" && pwd)" authlib
