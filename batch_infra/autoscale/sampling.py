"""Metric methods at run time: GetSample windows, sample percentages and InsufficientSampleData."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime

from batch_infra.autoscale import runtime as rt
from batch_infra.autoscale.interval import Interval
from batch_infra.autoscale.nodes import Method, Name

INSUFFICIENT_SAMPLES = "InsufficientSampleData"


def compile_method(node: Method, compile_expr: Callable, fail: Callable) -> Callable:
    """A closure evaluating `$Metric.Method(args)` against ctx.metrics at ctx.now."""
    metric = node.target.name if isinstance(node.target, Name) else ""
    args = [compile_expr(a) for a in node.args]
    method = node.method
    if method == "Count":
        return lambda ctx: float(ctx.metrics.get(metric).visible(_until(ctx)))
    if method == "GetSamplePeriod":
        return lambda ctx: Interval.from_timedelta(ctx.metrics.period)
    if method == "HistoryBeginTime":
        return lambda ctx: _history_begin(ctx, metric)

    def sample(ctx) -> rt.Value:
        values = [a(ctx) for a in args]
        if method == "GetSample" and isinstance(values[0], float):
            return ctx.metrics.get(metric).last(max(0, int(values[0])), _until(ctx))
        times = [v for v in values if isinstance(v, datetime | Interval)]
        wanted = values[len(times)] if len(values) > len(times) else None
        found, percent = _window(ctx, metric, times)
        if method == "GetSamplePercent":
            return percent
        if wanted is not None and percent < wanted:
            raise rt.EvaluationFailure(
                INSUFFICIENT_SAMPLES,
                "Autoscale evaluation failed due to insufficient sample data",
                f"Line {node.pos.line}, Col {node.pos.column}: Insufficient data from data set: "
                f"{metric} wanted {wanted:g}%, received {percent:g}%",
            )
        return found

    return sample


def _until(ctx) -> float:
    """Samples become visible to formulas only after the service's collection delay."""
    return ctx.now - ctx.metrics.delay.total_seconds()


def _absolute(ctx, point: datetime | Interval) -> float:
    return point.timestamp() if isinstance(point, datetime) else ctx.now - point.seconds()


def _window(ctx, metric: str, times: list) -> tuple[list[float], float]:
    """Samples in (start, end] visible now, and the percentage of the possible samples they make up.

    Half-open, oldest end excluded: SPEC.md 7.1 counts window length / 30 s possible samples (20 in ten
    minutes, 18 = 90 % when the newest minute is not visible yet), which a closed window would overshoot
    by one whenever samples fall on both ends.
    """
    points = [_absolute(ctx, t) for t in times]
    start, end = (points[0], ctx.now) if len(points) == 1 else (min(points), max(points))
    start, end = min(start, end), max(start, end)
    found = ctx.metrics.get(metric).between(start, min(end, _until(ctx)))
    possible = max(1, math.floor((end - start) / ctx.metrics.period.total_seconds()))
    return found, min(100.0, 100.0 * len(found) / possible)


def _history_begin(ctx, metric: str) -> datetime:
    series = ctx.metrics.get(metric)
    return datetime.fromtimestamp(series.times[0], UTC) if series.times else ctx.now_dt
