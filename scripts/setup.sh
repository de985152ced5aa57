#!/usr/bin/env bash
# Idempotent setup: the project virtualenv (.venv, as Pulumi.yaml names it) and Azurite from npm.
# Fast when nothing changed: a stamp records the hash of what was installed.
#   ./scripts/setup.sh               everything: batch-infra, its dev tools, Azurite (needs Node.js + npm)
#   ./scripts/setup.sh --deploy-only batch-infra only, no Node.js: a machine that runs `pulumi up` and the
#                                    `--azure` commands (a CI runner) needs neither the tests nor Azurite
#   ./scripts/setup.sh --check       only check the prerequisites and say what is missing
set -euo pipefail
# No `dirname`: --check must run with nothing but bash on PATH.
case "$0" in */*) cd "${0%/*}/.." ;; *) cd .. ;; esac

PYTHON=${PYTHON:-python3}
mode=full
check_only=no
for arg in "$@"; do
  case "$arg" in
    --deploy-only) mode=deploy ;;
    --check) check_only=yes ;;
    -h | --help) echo "usage: ./scripts/setup.sh [--deploy-only] [--check]" >&2; exit 0 ;;
    *) echo "setup: unknown option $arg; fix: use --deploy-only, --check or no option" >&2; exit 2 ;;
  esac
done

# Every missing prerequisite at once, before a minute of pip, each with how to install it.
check_prerequisites() {
  local want_node=$1 missing=0
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "setup: $PYTHON not found; fix: install Python 3.11 or later (Debian/Ubuntu:" \
      "apt-get install python3 python3-venv), or set PYTHON=/path/to/python3.11" >&2
    missing=1
  elif ! "$PYTHON" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "setup: $PYTHON is not Python 3.11+ with venv ($("$PYTHON" --version 2>&1));" \
      "fix: install Python 3.11 or later with venv (Debian/Ubuntu: apt-get install python3 python3-venv)," \
      "or set PYTHON=/path/to/python3.11" >&2
    missing=1
  fi
  if [ "$want_node" = yes ]; then
    local tool
    for tool in node npm; do
      if ! command -v "$tool" >/dev/null 2>&1; then
        echo "setup: $tool not found: Azurite (the storage emulator the local Azure emulator and the tests" \
          "use) comes from npm; fix: install Node.js with npm (Debian/Ubuntu: apt-get install nodejs npm;" \
          "or https://nodejs.org), or run ./scripts/setup.sh --deploy-only on a machine that only deploys" \
          "(pulumi up, batch-infra --azure/--offline commands)" >&2
        missing=1
      fi
    done
  fi
  return $missing
}

want_node=yes
[ "$mode" = deploy ] && want_node=no
if [ "$check_only" = yes ]; then
  check_prerequisites $want_node || exit 1
  echo "setup: prerequisites present" >&2
  exit 0
fi

stamp=.venv/.setup-stamp
want=$(cat pyproject.toml package.json | sha256sum | cut -d' ' -f1)
[ "$mode" = deploy ] && want="deploy-only $want"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && { [ "$mode" = deploy ] || [ -x node_modules/.bin/azurite ]; }; then
  exit 0
fi
check_prerequisites $want_node || exit 1

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv" >&2
  "$PYTHON" -m venv .venv
fi
# Never --no-compile: pulumi-azure-native would then recompile its modules on every import.
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
if [ "$mode" = deploy ]; then
  echo "setup: installing batch-infra into .venv (deploy only: no test tools, no Azurite)" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
else
  echo "setup: installing batch-infra and its dev dependencies into .venv" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
  if [ ! -x node_modules/.bin/azurite ] || [ package.json -nt node_modules/.package-lock.json ]; then
    echo "setup: installing Azurite (npm, about a minute the first time)" >&2
    npm install --no-audit --no-fund --loglevel=error >&2
  fi
fi
echo "$want" > "$stamp"
