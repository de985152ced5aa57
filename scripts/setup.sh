#!/usr/bin/env bash
# Idempotent setup: the project virtualenv (.venv, as Pulumi.yaml names it) and Azurite from npm.
# Fast when nothing changed: a stamp records the hash of what was installed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
stamp=.venv/.setup-stamp
want=$(cat pyproject.toml package.json | sha256sum | cut -d' ' -f1)

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x node_modules/.bin/azurite ]; then
  exit 0
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv" >&2
  "$PYTHON" -m venv .venv
fi
echo "setup: installing batch-infra and its dev dependencies into .venv" >&2
# Never --no-compile: pulumi-azure-native would then recompile its modules on every import.
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'

if [ ! -x node_modules/.bin/azurite ] || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing Azurite (npm)" >&2
  npm install --no-audit --no-fund --loglevel=error >&2
fi
echo "$want" > "$stamp"
