"""Fault and crash matrices of the providers against the emulator: how often a deployment converges.

Fault matrix: every provider operation x fault kind (429 with and without Retry-After, 500, 503, dropped
connections, lost responses, slow answers) x probability x emulator seed, each run through the SDK's
provider server, then re-run without faults as a user would. Crash matrix: every operation killed
(SIGKILL) after each of its requests, then re-run. Printed, per matrix and in total: scenarios tried /
converged on the first run / after a re-run / not converged / wrong final state / raw errors shown (an
exception that is not batch-infra's own) / fixes that do not match the fault's cause.

    .venv/bin/python benchmarks/reliability_bench.py [--seeds 2] [--probabilities 0.1 0.3] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.* helpers: the harness and emulator

from tests.fixtures.emulator import EmulatorProcess  # noqa: E402
from tests.reliability.operations import OPERATIONS  # noqa: E402
from tests.reliability.scenarios import FAULTS, Outcome, environment, run_crash, run_fault  # noqa: E402

COLUMNS = ("tried", "converged-first", "converged-rerun", "not-converged", "wrong-state", "raw", "wrong-fix")


def tally(outcomes: list[Outcome]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for outcome in outcomes:
        if outcome.category == "unsupported":
            counts["unsupported"] += 1
            continue
        counts["tried"] += 1
        counts[outcome.category] += 1
        counts["raw"] += bool(outcome.raw_errors)
        counts["wrong-fix"] += bool(outcome.wrong_fixes)
    return counts


def fault_matrix(env, seed: int, probabilities: list[float], operations) -> list[Outcome]:
    outcomes = []
    for operation in operations:
        for kind in FAULTS:
            for probability in probabilities:
                outcomes.append(run_fault(env, operation, kind, probability, seed))
    return outcomes


def crash_steps(env, operation) -> int:
    """How many requests a clean run of the operation makes (each is a place to be killed after)."""
    state = operation.prepare(env)
    env.emulator.clear_requests()
    state.outputs = operation.run(env, env.providers[operation.kind], state)
    return len(env.emulator.requests())


def crash_matrix(env, operations) -> list[Outcome]:
    outcomes = []
    for operation in operations:
        for step in range(crash_steps(env, operation)):
            outcomes.append(run_crash(env, operation, step))
    return outcomes


def show(title: str, outcomes: list[Outcome], verbose: bool) -> Counter[str]:
    counts = tally(outcomes)
    print(f"{title:<14}" + "  ".join(f"{c}={counts[c]}" for c in COLUMNS), end="")
    print(f"  (unsupported by this emulator: {counts['unsupported']})" if counts["unsupported"] else "")
    for outcome in outcomes:
        failed = outcome.category in ("not-converged", "wrong-state")
        bad = failed or outcome.raw_errors or outcome.wrong_fixes
        if verbose and bad:
            print(f"  {outcome.scenario}: {outcome.category}")
            for line in outcome.problems:
                print(f"      state: {line}")
            for error in (outcome.raw_errors or outcome.wrong_fixes or outcome.errors)[:1]:
                print("      error: " + " | ".join(error.strip().splitlines()[-3:])[:400])
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--probabilities", type=float, nargs="+", default=[0.1, 0.3])
    parser.add_argument("--operations", nargs="+", default=[op.name for op in OPERATIONS])
    parser.add_argument("--no-crash", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="print every scenario that went wrong")
    args = parser.parse_args()
    operations = [op for op in OPERATIONS if op.name in args.operations]
    faults: list[Outcome] = []
    crashes: list[Outcome] = []
    with tempfile.TemporaryDirectory() as workdir:
        emulator = EmulatorProcess(Path(workdir) / "emulator", seed=1).start()
        env = environment(emulator, Path(workdir) / "work")
        try:
            for seed in range(1, args.seeds + 1):
                faults += fault_matrix(env, seed, args.probabilities, operations)
            if not args.no_crash:
                crashes += crash_matrix(env, operations)
        finally:
            for provider in env.providers.values():
                provider.stop()
            emulator.stop()
    show("fault matrix", faults, args.verbose)
    if not args.no_crash:
        show("crash matrix", crashes, args.verbose)
    show("total", faults + crashes, False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
