"""The simulation's PNG: nodes and tasks on two panels (one unit each), legends outside, run in the title."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from batch_infra.autoscale.simulator import SimulationConfig, SimulationResult, SimulationSummary

if TYPE_CHECKING:  # matplotlib is imported only when a plot is drawn
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Colour-blind-safe pairs; each line also differs in width or dash, so none hides another when equal.
KIND_COLOURS = {"dedicated": ("#9ecae1", "#08306b"), "Spot": ("#fdd0a2", "#a63603")}  # (band, line)
WAITING_COLOUR, RUNNING_COLOUR, FAILED_COLOUR = "#cb181d", "#238b45", "#d62728"


@dataclass(frozen=True)
class RunLabel:
    """What the plot's title says about the run: the formula file, its settings and where tasks came from."""

    formula: str  # the file's name, or "stdin"
    config: SimulationConfig
    inputs: str  # e.g. "diurnal workload, peak 4 tasks/min" or "metrics from load.csv"


def title_lines(label: RunLabel, summary: SimulationSummary) -> list[str]:
    """The title: formula file, interval and caps; then the outcome in whole numbers; then any failure."""
    config = label.config
    lines = [
        f"{label.formula}: evaluated every {_duration(config.interval)}, "
        f"{_caps(config)}; {_days(config.days)} of {label.inputs}",
        f"{summary.evaluations:,} evaluations: {outcome(summary)}",
    ]
    if summary.failed_evaluations:
        reason = (
            summary.main_failure if len(summary.main_failure) <= 90 else summary.main_failure[:87] + "..."
        )
        lines.append(
            f"{summary.failed_evaluations:,} of {summary.evaluations:,} evaluations failed: {reason}"
        )
    return lines


def outcome(summary: SimulationSummary) -> str:
    """The run's totals, counts as whole numbers (never 1.32101e+06)."""
    return (
        f"{summary.node_hours:,.1f} node-hours, peak {summary.peak_nodes:,} nodes, "
        f"{summary.task_minutes_waiting:,.0f} task-minutes waiting, "
        f"{summary.tasks_completed:,} tasks completed"
    )


def _caps(config: SimulationConfig) -> str:
    caps = [
        f"{name} {value:,}"
        for name, value in (
            ("max dedicated", config.max_dedicated),
            ("max Spot", config.max_spot),
            ("quota dedicated", config.quota_dedicated),
            ("quota Spot", config.quota_spot),
        )
        if value is not None
    ]
    return ", ".join(caps) if caps else "no declared maximum"


def _duration(interval: timedelta) -> str:
    minutes = int(interval.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


def _days(days: float) -> str:
    return f"{days:g} day" + ("" if days == 1 else "s")


def figure_of(result: SimulationResult, label: RunLabel) -> Figure:
    """The plot as a matplotlib Figure (the caller saves and closes it)."""
    import matplotlib

    matplotlib.use("Agg")  # headless: no display on CI or in the emulator
    from matplotlib import pyplot

    figure, (nodes, tasks) = pyplot.subplots(
        2, 1, sharex=True, figsize=(13, 7.5), dpi=100, layout="constrained", height_ratios=(3, 2)
    )
    _node_panel(nodes, result)
    _task_panel(tasks, result)
    _time_axis(tasks)
    figure.suptitle("\n".join(title_lines(label, result.summary)), fontsize="medium", ha="left", x=0.01)
    return figure


def plot(result: SimulationResult, path: Path, label: RunLabel) -> None:
    """Write the PNG of `result` to `path`."""
    from matplotlib import pyplot

    figure = figure_of(result, label)
    try:
        figure.savefig(path)
    finally:
        pyplot.close(figure)


def _node_panel(axes: Axes, result: SimulationResult) -> None:
    """Per kind, the target as a pale band and the ready nodes as a thin dark line on top: where the pool
    follows its target the line runs inside the band. Spot's band is narrower and its line dashed, so
    equal dedicated and Spot counts still show all four."""
    rows, times = result.timeline, [r.time for r in result.timeline]
    series = {  # kind: (target, ready, band width, line style, z-order)
        "dedicated": ([r.target_dedicated for r in rows], [r.dedicated_nodes for r in rows], 8, "-", 2),
        "Spot": (
            [r.target_low_priority for r in rows],
            [r.low_priority_nodes for r in rows],
            3.5,
            (0, (4, 2)),
            3,
        ),
    }
    highest = 0
    for kind, (target, ready, width, dash, z) in series.items():
        band, line = KIND_COLOURS[kind]
        if not any(target) and not any(ready):
            axes.plot([], [], color=line, linestyle=dash, label=f"{kind}: 0 throughout (not drawn)")
            continue
        axes.step(times, target, where="post", color=band, linewidth=width, label=f"{kind}: target", zorder=z)
        axes.plot(
            times, ready, color=line, linewidth=1.4, linestyle=dash, label=f"{kind}: ready", zorder=z + 2
        )
        highest = max(highest, *target, *ready)
    failed = [r for r in rows if r.evaluated and r.error]
    if failed:
        axes.scatter(
            [r.time for r in failed],
            [r.target_dedicated for r in failed],
            marker="x",
            color=FAILED_COLOUR,
            s=30,
            zorder=6,
            label=f"failed evaluation ({len(failed):,})",
        )
    _integer_axis(axes, "nodes", highest)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0, fontsize="small")


def _task_panel(axes: Axes, result: SimulationResult) -> None:
    rows, times = result.timeline, [r.time for r in result.timeline]
    running, waiting = [r.running_tasks for r in rows], [r.active_tasks for r in rows]
    axes.plot(times, running, color=RUNNING_COLOUR, linewidth=1.3, label="running tasks", zorder=3)
    axes.plot(
        times,
        waiting,
        color=WAITING_COLOUR,
        linewidth=1.3,
        linestyle=(0, (5, 1.5)),
        zorder=4,
        label="waiting tasks (active, no node yet)",
    )
    _integer_axis(axes, "tasks", max(max(running, default=0), max(waiting, default=0)))
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0, fontsize="small")


def _integer_axis(axes: Axes, unit: str, highest: float) -> None:
    """Counts from 0 (a line at 0 stays visible above the axis), integer ticks, the unit as the label."""
    from matplotlib.ticker import MaxNLocator, StrMethodFormatter

    top = max(1.0, highest)
    axes.set_ylim(-0.04 * top, top * 1.08)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes.set_ylabel(unit)
    axes.grid(True, alpha=0.3)


def _time_axis(axes: Axes) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes.set_xlabel("time (UTC)")
