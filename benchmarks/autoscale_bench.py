"""Autoscale benchmark: check time for an 8 KB formula, evaluations per second, and linear simulation cost.

Linearity is judged between 7 and 30 simulated days: a 1-day run is over in a few hundredths of a second,
so its fixed costs (compiling, the first samples) and timer noise made a 30 d / 1 d ratio say little. What
matters is that a simulated day never costs more as the run grows: a ratio up to 20% over 30/7 passes, one
below it (the fixed costs spread over more days) is reported as sublinear, not as a failure.

    .venv/bin/python benchmarks/autoscale_bench.py
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from batch_infra.autoscale import Metrics, PoolState, check, evaluate
from batch_infra.autoscale.evaluator import compile_formula
from batch_infra.autoscale.simulator import SimulationConfig, simulate
from batch_infra.autoscale.validation import analyse
from batch_infra.autoscale.workloads import workload

# A realistic formula (task-based, with time windows and a percentage guard); ~1 KB.
FORMULA = """// task-based scaling with a sample-percentage guard
$samples = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 15);
$tasks = $samples < 70 ? max(0, $PendingTasks.GetSample(1)) :
    max($PendingTasks.GetSample(1), avg($PendingTasks.GetSample(TimeInterval_Minute * 15)));
$busy = avg($CPUPercent.GetSample(TimeInterval_Minute * 10)) > 70;
$now = time();
$workday = $now.weekday >= 1 && $now.weekday <= 5 && $now.hour >= 8 && $now.hour < 18;
$targetVMs = $tasks > 0 ? $tasks : max(0, $TargetDedicatedNodes / 2);
$targetVMs = $busy ? $targetVMs * 1.2 : $targetVMs;
$TargetDedicatedNodes = max($workday ? 2 : 0, min($targetVMs, 20));
$TargetLowPriorityNodes = min(10, max(0, $tasks - $TargetDedicatedNodes));
$NodeDeallocationOption = taskcompletion;
"""


def eight_kb_formula() -> str:
    """About 8 KB of real statements (under the 100-statement limit), not comment padding."""
    lines = [
        f"$v{i} = max(0, min(avg($ActiveTasks.GetSample(TimeInterval_Minute * {i % 50 + 5})) * 1.{i:02d}, "
        f"$CurrentDedicatedNodes + {i})) + ($v{i - 1} > {i} ? 1 : 0);"
        for i in range(1, 90)
    ]
    lines.insert(0, "$v0 = 0;")
    text = "\n".join(lines) + "\n$TargetDedicatedNodes = min($v89, 20);"
    while len(text) > 8192:
        lines.pop()
        text = "\n".join(lines) + f"\n$TargetDedicatedNodes = min($v{len(lines) - 1}, 20);"
    return text


def best_of(repeats: int, action) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def evaluate_rate(days: int = 7, evaluations: int = 5000) -> tuple[int, float]:
    """Evaluations per second of FORMULA alone (no simulation), against `days` of 30-s samples."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    metrics = Metrics()
    for i in range(days * 2880):
        at = start + timedelta(seconds=30 * i)
        for name, value in (("PendingTasks", i % 40), ("CPUPercent", (i * 7) % 100)):
            metrics.add(name, at, float(value))
    pool = PoolState(dedicated_nodes=4, target_dedicated_nodes=4)
    times = [start + timedelta(days=days) - timedelta(minutes=5 * k) for k in range(evaluations)]
    compile_formula(FORMULA)

    def loop() -> None:
        for at in times:
            evaluate(FORMULA, at=at, metrics=metrics, current=pool)

    return evaluations, evaluations / best_of(3, loop)


def main() -> None:
    big = eight_kb_formula()
    assert check(big).valid, check(big).errors[:1]

    def uncached() -> None:
        analyse.cache_clear()  # check() analyses a text once per process: time the analysis itself
        check(big)

    seconds, again = best_of(5, uncached), best_of(5, lambda: check(big))
    print(f"check of an {len(big)}-character formula: {seconds * 1000:.1f} ms ({again * 1000:.2f} ms again)")

    count, rate = evaluate_rate()
    print(f"evaluate() alone: {rate:,.0f} evaluations/s ({count} evaluations against 7 days of samples)")

    config = SimulationConfig(interval=timedelta(minutes=5))
    compile_formula(FORMULA)
    timings = {}
    for days in (1, 7, 30):
        run_config = SimulationConfig(days=days, interval=config.interval)
        runs: list = []

        def run(c: SimulationConfig = run_config, sink: list = runs) -> None:
            sink.append(simulate(FORMULA, config=c, workload=workload("diurnal", rate=6)))

        timings[days] = best_of(3, run)
        result = runs[-1]
        rate = result.summary.evaluations / timings[days]
        print(
            f"simulate {days:>2} d at 5 min: {timings[days]:.2f} s, {result.summary.evaluations} evaluations "
            f"({rate:,.0f} evaluations/s including 30-s ticks and timeline rows), "
            f"{result.summary.node_hours:g} node-hours, {len(result.timeline)} timeline rows"
        )
    ideal = 30 / 7
    ratio = timings[30] / timings[7]
    if ratio > 1.2 * ideal:
        verdict = f"SUPERLINEAR: over 1.2 x {ideal:.2f}x"
    else:
        verdict = "linear" if ratio >= 0.8 * ideal else "sublinear: fixed costs spread over more days"
    print(
        f"30 d / 7 d time ratio: {ratio:.2f}x, linear is {ideal:.2f}x ({verdict}); "
        f"per simulated day: {timings[7] / 7 * 1000:.0f} ms at 7 d, {timings[30] / 30 * 1000:.0f} ms at 30 d"
    )


if __name__ == "__main__":
    main()
