"""Simulation outputs: timeline CSV (and JSON up to a size), summary JSON and the PNG (autoscale/plot.py)."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, fields
from pathlib import Path

from batch_infra.autoscale.plot import RunLabel, plot
from batch_infra.autoscale.simulator import SimulationResult, TimelineRow, camel
from batch_infra.autoscale.timefmt import format_timestamp

COLUMNS = [f.name for f in fields(TimelineRow)]
# timeline.json by default up to this many rows: about 12 MB, 14 days of 30-s rows (--timeline-json: always).
MAX_JSON_ROWS = 40_320


def _row(row: TimelineRow) -> dict[str, object]:
    data = asdict(row)
    data["time"] = format_timestamp(row.time)
    return data


def write_outputs(
    result: SimulationResult, out_dir: Path, label: RunLabel, *, timeline_json: bool | None = None
) -> dict[str, Path]:
    """Write timeline.csv, summary.json, timeline.png and timeline.json into `out_dir`; return the paths.

    timeline.json only when `timeline_json` is True, or None and the timeline has at most MAX_JSON_ROWS
    rows (a 90-day run at 30-s rows made a 77 MB file; timeline.csv holds the same rows). A timeline.json
    left by an earlier run is removed then, so the folder never mixes two runs."""
    out_dir.mkdir(parents=True, exist_ok=True)
    names = ["timeline.csv", "summary.json", "timeline.png"]
    if json_wanted(len(result.timeline), timeline_json):
        names.append("timeline.json")
    else:
        (out_dir / "timeline.json").unlink(missing_ok=True)
    paths = {name: out_dir / name for name in names}
    rows = [_row(r) for r in result.timeline]
    with paths["timeline.csv"].open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    if "timeline.json" in paths:
        # camelCase as every JSON document (the CSV keeps its column names, as spreadsheets read them)
        documents = [{camel(k): v for k, v in row.items()} for row in rows]
        paths["timeline.json"].write_text(json.dumps({"timeline": documents}, indent=1) + "\n")
    paths["summary.json"].write_text(json.dumps(result.summary.to_dict(), indent=2) + "\n")
    plot(result, paths["timeline.png"], label)
    return paths


def json_wanted(rows: int, timeline_json: bool | None) -> bool:
    """The size rule: an explicit choice wins; by default, JSON up to MAX_JSON_ROWS rows."""
    return timeline_json if timeline_json is not None else rows <= MAX_JSON_ROWS
