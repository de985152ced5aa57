#!/usr/bin/env bash
# Sets up (idempotently) and runs the whole test suite: the main suite, then the end-to-end deployment
# scenarios (`slow`: every stack and example through the test engine), each under 15 minutes on 2 cores.
# Extra arguments go to both pytest runs.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# Lint first: a style error fails the run (and CI) before the slow suite starts.
.venv/bin/ruff check .
.venv/bin/python -m pytest -m "not slow" "$@"
exec .venv/bin/python -m pytest -m slow "$@"
