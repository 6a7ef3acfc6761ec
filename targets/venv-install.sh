#!/usr/bin/env bash
# Shared by the Python targets: installs DIR/requirements.txt (every package pinned) into
# DIR/.venv, once. A second run only compares a stamp (sha256 of requirements.txt) and returns.
#   targets/venv-install.sh DIR DISTRIBUTION   (DISTRIBUTION: the package whose version to print)
set -euo pipefail
dir="$1" dist="$2"
cd "$dir"
name="$(basename "$dir")"
PY="${PYTHON:-python3}"
want="$(sha256sum requirements.txt | cut -d' ' -f1)"
if [ -x .venv/bin/python ] && [ "$(cat .venv/.dcr-stamp 2>/dev/null || true)" = "$want" ]; then
  echo "$name: already installed"; exit 0
fi
rm -rf .venv
"$PY" -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check --no-input -r requirements.txt
echo "$want" > .venv/.dcr-stamp
echo "$name: installed $dist $(.venv/bin/python -c "from importlib.metadata import version; print(version('$dist'))")"
