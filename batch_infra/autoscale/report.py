"""Simulation outputs: timeline CSV/JSON, summary JSON and a PNG plot (matplotlib, Agg backend)."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, fields
from pathlib import Path

from batch_infra.autoscale.simulator import SimulationResult, TimelineRow
from batch_infra.autoscale.timefmt import format_timestamp

COLUMNS = [f.name for f in fields(TimelineRow)]


def _row(row: TimelineRow) -> dict[str, object]:
    data = asdict(row)
    data["time"] = format_timestamp(row.time)
    return data


def write_outputs(result: SimulationResult, out_dir: Path) -> dict[str, Path]:
    """Write timeline.csv, timeline.json, summary.json and timeline.png into `out_dir`; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        name: out_dir / name for name in ("timeline.csv", "timeline.json", "summary.json", "timeline.png")
    }
    rows = [_row(r) for r in result.timeline]
    with paths["timeline.csv"].open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    paths["timeline.json"].write_text(json.dumps({"timeline": rows}, indent=1) + "\n")
    paths["summary.json"].write_text(json.dumps(result.summary.to_dict(), indent=2) + "\n")
    plot(result, paths["timeline.png"])
    return paths


def plot(result: SimulationResult, path: Path) -> None:
    """Targets and current nodes (left axis) with active/pending tasks (right axis) over time."""
    import matplotlib

    matplotlib.use("Agg")  # headless: no display on CI or in the emulator
    from matplotlib import pyplot

    times = [r.time for r in result.timeline]
    figure, nodes = pyplot.subplots(figsize=(11, 5), dpi=100)
    try:
        nodes.step(
            times, [r.target_dedicated for r in result.timeline], where="post", label="target dedicated"
        )
        nodes.step(times, [r.target_low_priority for r in result.timeline], where="post", label="target Spot")
        nodes.plot(
            times, [r.dedicated_nodes + r.low_priority_nodes for r in result.timeline], label="current nodes"
        )
        nodes.set_ylabel("nodes")
        tasks = nodes.twinx()
        tasks.plot(
            times, [r.active_tasks for r in result.timeline], color="tab:red", alpha=0.5, label="active tasks"
        )
        tasks.plot(
            times,
            [r.active_tasks + r.running_tasks for r in result.timeline],
            color="tab:purple",
            alpha=0.5,
            label="pending tasks",
        )
        tasks.set_ylabel("tasks")
        handles = nodes.get_legend_handles_labels()[0] + tasks.get_legend_handles_labels()[0]
        nodes.legend(handles=handles, loc="upper left", fontsize="small")
        summary = result.summary
        nodes.set_title(
            f"{summary.node_hours:g} node-hours, peak {summary.peak_nodes} nodes, "
            f"{summary.task_minutes_waiting:g} task-minutes waiting"
        )
        figure.autofmt_xdate()
        figure.savefig(path)
    finally:
        pyplot.close(figure)
