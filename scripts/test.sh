#!/usr/bin/env bash
# Sets up (idempotently) and runs the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# Lint first: a style error fails the run (and CI) before the slow suite starts.
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
