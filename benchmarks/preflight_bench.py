"""`batch-infra preflight` wall time as a user sees it, and how it grows with the number of pools.

Shipped stacks: `preflight --stack dev` and `--stack prod` against the embedded emulator (started and
stopped by each run, which is the default target) and `--stack dev --offline` (plan only), each as a fresh
process, best of N, with the time preflight reports for itself and its phases from --json.

Scaling: stacks generated from dev with 10, 100 and 300 autoscale pools (each pool its own formula, so
nothing is shared between pools by accident), each run as a fresh process against the embedded emulator.
The process counts what it did while it ran: stack validations (the StackConfig model) and formula
analyses (lexing, parsing, typing, lints) against the check() calls that asked for one. Printed: wall
time, time per pool, the marginal cost of a pool (between the two largest stacks) and the ratio of the
100-pool run to the 10-pool run (target: at most 10, i.e. no worse than linear).

    .venv/bin/python benchmarks/preflight_bench.py [--rounds 3] [--sizes 10 100 300] [--only scaling]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[1]
SCENARIOS = {
    "dev (embedded)": ["--stack", "dev"],
    "prod (embedded)": ["--stack", "prod"],
    "dev --offline": ["--stack", "dev", "--offline"],
}
BENCH_STACK = "bench"
FORMULA = """$samples = $PendingTasks.GetSamplePercent(TimeInterval_Minute * {window});
$tasks = $samples < 70 ? max(0, $PendingTasks.GetSample(1)) :
    max($PendingTasks.GetSample(TimeInterval_Minute * {window}));
$targetVMs = $tasks > 0 ? ceil($tasks / {per_node}) : max(0, $TargetDedicatedNodes - 1);
$TargetDedicatedNodes = max(0, $targetVMs);
$NodeDeallocationOption = taskcompletion;
"""


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


def shipped_stacks(rounds: int) -> None:
    print(f"batch-infra preflight, best of {rounds} fresh processes ({os.cpu_count()} cores)")
    print(f"{'scenario':<18} {'wall s':>7} {'reported':>9}  phases (s) of the best run")
    for name, arguments in SCENARIOS.items():
        best = min((run_once(arguments) for _ in range(rounds)), key=lambda result: result[0])
        wall, phases = best
        reported = f"{phases['total']:.2f}" if "total" in phases else "-"
        detail = ", ".join(f"{k} {v:.2f}" for k, v in phases.items() if k != "total") or "plan only"
        print(f"{name:<18} {wall:>7.2f} {reported:>9}  {detail}")


def generated_project(pools: int, into: Path) -> Path:
    """A project (Pulumi.yaml, packages/, stacks/Pulumi.bench.yaml) whose stack is dev with `pools` pools."""
    shutil.copy(PROJECT / "Pulumi.yaml", into / "Pulumi.yaml")
    shutil.copytree(PROJECT / "packages", into / "packages")
    document = yaml.safe_load((PROJECT / "stacks" / "Pulumi.dev.yaml").read_text())
    template = document["config"]["batch-infra:pools"][0]
    document["config"]["batch-infra:pools"] = [
        {
            **template,
            "id": f"pool-{i:03d}",
            "scale": {
                "formula": FORMULA.format(window=5 + i % 50, per_node=1 + i // 50),
                "evaluationInterval": "PT5M",
                "maxDedicatedNodes": 1,
            },
        }
        for i in range(pools)
    ]
    (into / "stacks").mkdir()
    (into / "stacks" / f"Pulumi.{BENCH_STACK}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return into


def counted_preflight(project: str, counts_file: str) -> int:
    """Child process: run `preflight --stack bench --json` in-process, counting the work as it happens."""
    from batch_infra.autoscale import validation
    from batch_infra.cli.main import main
    from batch_infra.config import loader

    validations = [0]
    validate = loader._validate

    def counting_validate(*args, **kwargs):
        validations[0] += 1
        return validate(*args, **kwargs)

    loader._validate = counting_validate  # looked up by name at each call, in every thread
    started = time.perf_counter()
    stdout, sys.stdout = sys.stdout, io.StringIO()  # the --json document, for the phases it reports
    try:
        code = main(["preflight", "--stack", BENCH_STACK, "--json", "--project-dir", project])
    finally:
        document, sys.stdout = sys.stdout.getvalue(), stdout
    seconds = time.perf_counter() - started
    analyses = validation.analyse.cache_info()
    counts = {
        "code": code,
        "seconds": seconds,
        "stackValidations": validations[0],
        "formulaAnalyses": analyses.misses,
        "formulaChecks": analyses.hits + analyses.misses,
        "phases": json.loads(document).get("preflight", {}).get("seconds", {}),
    }
    Path(counts_file).write_text(json.dumps(counts))
    return 0


def scaled_run(pools: int) -> dict[str, float]:
    """One fresh process on a generated stack of `pools` pools: wall time and the counts it reported."""
    with tempfile.TemporaryDirectory(prefix="preflight-bench-") as workdir:
        project = generated_project(pools, Path(workdir))
        counts_file = Path(workdir) / "counts.json"
        env = {k: v for k, v in os.environ.items() if k != "BATCH_INFRA_EMULATOR"}
        command = [sys.executable, __file__, "--counted", str(project), str(counts_file)]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        if done.returncode != 0 or not counts_file.is_file():
            raise SystemExit(f"{pools} pools: exited {done.returncode}: {done.stderr[-2000:]}")
        counts = json.loads(counts_file.read_text())
    if counts["code"] not in (0, 1):
        raise SystemExit(f"{pools} pools: preflight exited {counts['code']}: {done.stderr[-2000:]}")
    return {"wall": wall, **counts}


def scaling(sizes: list[int], rounds: int) -> None:
    print(f"\npreflight on generated stacks (dev with N autoscale pools), best of {rounds} fresh processes")
    print(
        f"{'pools':>5} {'wall s':>7} {'in-process s':>13} {'ms/pool':>8} {'exit':>4} "
        f"{'stack validations':>17} {'formula analyses / check calls':>31}  phases (s)"
    )
    results = {}
    for pools in sizes:
        best = min((scaled_run(pools) for _ in range(rounds)), key=lambda run: run["wall"])
        results[pools] = best
        print(
            f"{pools:>5} {best['wall']:>7.2f} {best['seconds']:>13.2f} "
            f"{best['seconds'] / pools * 1000:>8.1f} {best['code']:>4} {best['stackValidations']:>17} "
            f"{best['formulaAnalyses']:>14} / {best['formulaChecks']:<14}  "
            + ", ".join(f"{k} {v:.2f}" for k, v in best["phases"].items() if k != "total")
        )
    if len(sizes) >= 2:
        small, large = sorted(sizes)[-2:]
        marginal = (results[large]["seconds"] - results[small]["seconds"]) / (large - small)
        print(f"marginal cost of a pool ({small} -> {large} pools): {marginal * 1000:.1f} ms")
    if 10 in results and 100 in results:
        ratio = results[100]["seconds"] / results[10]["seconds"]
        verdict = "within the target of 10" if ratio <= 10 else "ABOVE the target of 10"
        print(f"100 pools / 10 pools (in-process time): {ratio:.2f}x ({verdict})")
    if any(run["code"] for run in results.values()):
        print("(exit 1: a check failed on that stack, e.g. a pool or core quota; it is still timed)")


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--counted":
        raise SystemExit(counted_preflight(sys.argv[2], sys.argv[3]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 300])
    parser.add_argument("--only", choices=("stacks", "scaling"), help="run one of the two parts")
    args = parser.parse_args()
    if args.only != "scaling":
        shipped_stacks(args.rounds)
    if args.only != "stacks":
        scaling(args.sizes, args.rounds)


if __name__ == "__main__":
    main()
