"""`batch-infra preflight` wall time as a user sees it: the whole process, from exec to exit.

Runs `preflight --stack dev` and `--stack prod` against the embedded emulator (started and stopped by each
run, which is the default target) and `--stack dev --offline` (plan only), each as a fresh process, best
of N. Also prints the time preflight reports for itself (from the command's start to its output, before
the emulator's shutdown) and its phases from --json, so the process start-up and shutdown are visible.

    .venv/bin/python benchmarks/preflight_bench.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SCENARIOS = {
    "dev (embedded)": ["--stack", "dev"],
    "prod (embedded)": ["--stack", "prod"],
    "dev --offline": ["--stack", "dev", "--offline"],
}


def run_once(arguments: list[str]) -> tuple[float, dict[str, float]]:
    """Wall seconds of one `batch-infra preflight ... --json` process and the phases it reported."""
    env = {k: v for k, v in os.environ.items() if k != "BATCH_INFRA_EMULATOR"}  # the embedded default
    command = [sys.executable, "-m", "batch_infra", "preflight", *arguments, "--json"]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-2000:]}")
    phases = json.loads(done.stdout).get("preflight", {}).get("seconds", {})
    return wall, phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    print(f"batch-infra preflight, best of {rounds} fresh processes ({os.cpu_count()} cores)")
    print(f"{'scenario':<18} {'wall s':>7} {'reported':>9}  phases (s) of the best run")
    for name, arguments in SCENARIOS.items():
        best = min((run_once(arguments) for _ in range(rounds)), key=lambda result: result[0])
        wall, phases = best
        reported = f"{phases['total']:.2f}" if "total" in phases else "-"
        detail = ", ".join(f"{k} {v:.2f}" for k, v in phases.items() if k != "total") or "plan only"
        print(f"{name:<18} {wall:>7.2f} {reported:>9}  {detail}")


if __name__ == "__main__":
    main()
