"""Fault and crash matrices of the providers against the emulator: how often a deployment converges.

Fault matrix: every provider operation x fault kind (429 with and without Retry-After, 500, 503, dropped
connections, lost responses, slow answers) x probability x emulator seed, each run through the SDK's
provider server, then re-run without faults as a user would. Crash matrix: every operation killed
(SIGKILL) after each of its requests, then re-run. Printed, per matrix and in total: scenarios tried /
converged on the first run / after a re-run / not converged / wrong final state / raw errors shown (an
exception that is not batch-infra's own) / fixes that do not match the fault's cause.

With --engine, the same through the test engine (tests/reliability/engine_scenarios.py): the dev stack's
create, update and delete ups under every fault kind x probability x seed on every provider call, and its
provider SIGKILLed at every request of the create and the update up, each compared with a clean run's
outputs; also printed: how many provider requests of each operation met a fault.

    .venv/bin/python benchmarks/reliability_bench.py [--seeds 4] [--engine [--engine-seeds 1]] [--verbose]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.* helpers: the harness and emulator

from tests.fixtures.emulator import EmulatorProcess  # noqa: E402
from tests.reliability import engine_scenarios  # noqa: E402
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


def engine_matrices(emulator, workdir: Path, seeds: int, probabilities: list[float], crash: bool):
    """The fault lifecycles and the crash at every provider request, through the test engine."""
    faults, crashes = [], []
    for seed in range(1, seeds + 1):
        for kind in FAULTS:
            for probability in probabilities:
                plan = [(kind, probability)] * len(engine_scenarios.PHASES)
                where = workdir / f"{kind}-{probability}-{seed}"
                faults += progress(engine_scenarios.run_fault_lifecycle(emulator, where, plan, seed))
    if crash:
        clean = engine_scenarios.clean_runs(emulator, workdir / "clean", phases=2)
        for phase, (requests, outputs) in enumerate(clean):
            for step in range(len(requests)):
                where = workdir / f"crash-{phase}-{step}"
                crashes += progress([engine_scenarios.run_crash(emulator, where, phase, step, outputs)])
    return faults, crashes


def progress(outcomes: list) -> list:
    """Each engine scenario's verdict on stderr as it ends: the full matrices take most of an hour."""
    for outcome in outcomes:
        print(f"{outcome.scenario}: {outcome.category}", file=sys.stderr, flush=True)
    return outcomes


def show_faulted(outcomes) -> None:
    faulted = sum((o.faulted for o in outcomes), start=Counter())
    print("  provider requests faulted: " + ", ".join(f"{op}={n}" for op, n in sorted(faulted.items())))


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
    parser.add_argument("--engine", action="store_true", help="also the matrices through the test engine")
    parser.add_argument("--engine-only", action="store_true", help="only the matrices through the engine")
    parser.add_argument("--engine-seeds", type=int, default=1, help="seeds of the engine's fault matrix")
    args = parser.parse_args()
    operations = [op for op in OPERATIONS if op.name in args.operations]
    faults: list[Outcome] = []
    crashes: list[Outcome] = []
    with tempfile.TemporaryDirectory() as workdir:
        emulator = EmulatorProcess(Path(workdir) / "emulator", seed=1).start()
        env = environment(emulator, Path(workdir) / "work")
        engine_faults: list = []
        engine_crashes: list = []
        try:
            for seed in range(1, args.seeds + 1 if not args.engine_only else 1):
                faults += fault_matrix(env, seed, args.probabilities, operations)
            if not args.no_crash and not args.engine_only:
                crashes += crash_matrix(env, operations)
            if args.engine or args.engine_only:
                engine_faults, engine_crashes = engine_matrices(
                    emulator,
                    Path(workdir) / "engine",
                    args.engine_seeds,
                    args.probabilities,
                    not args.no_crash,
                )
        finally:
            for provider in env.providers.values():
                provider.stop()
            emulator.stop()
    if not args.engine_only:
        show("fault matrix", faults, args.verbose)
        if not args.no_crash:
            show("crash matrix", crashes, args.verbose)
    if args.engine or args.engine_only:
        show("engine faults", engine_faults, args.verbose)
        show_faulted(engine_faults)
        if not args.no_crash:
            show("engine crash", engine_crashes, args.verbose)
    show("total", faults + crashes + engine_faults + engine_crashes, False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
