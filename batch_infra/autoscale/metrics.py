"""Metric history as indexed time series (bisect, never a rescan), loaded from CSV or JSON metrics files."""

from __future__ import annotations

import csv
import io
import json
import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from batch_infra.autoscale.language import SAMPLE_PERIOD, SERVICE_VARIABLES, Type, canonical_name
from batch_infra.autoscale.timefmt import TimeFormatError, parse_time_string
from batch_infra.errors import BatchInfraError
from batch_infra.suggestions import did_you_mean

METRIC_NAMES = tuple(
    name
    for name, v in SERVICE_VARIABLES.items()
    if v.type is Type.METRIC and not v.canonical and v.recognised
)
# A sample becomes visible to formulas about one minute after it is taken (SPEC.md 7.1).
DEFAULT_VISIBILITY_DELAY = timedelta(minutes=1)


class MetricsFileError(BatchInfraError):
    """A metrics file that cannot be read; names the file, row and column."""


class MetricSeries:
    """Samples of one metric in time order; times are epoch seconds so windows are two bisections."""

    __slots__ = ("times", "values")

    def __init__(self) -> None:
        self.times: list[float] = []
        self.values: list[float] = []

    def append(self, at: float, value: float) -> None:
        if self.times and at < self.times[-1]:
            raise ValueError(f"samples must be appended in time order: {at} is before {self.times[-1]}")
        self.times.append(at)
        self.values.append(value)

    def visible(self, until: float) -> int:
        """Number of samples taken at or before `until`."""
        return bisect_right(self.times, until)

    def last(self, count: int, until: float) -> list[float]:
        end = self.visible(until)
        return self.values[max(0, end - count) : end]

    def between(self, start: float, end: float) -> list[float]:
        """Samples taken in (start, end]: after `start`, up to and including `end`."""
        return self.values[bisect_right(self.times, start) : bisect_right(self.times, end)]


class Metrics:
    """The sampled service variables ($ActiveTasks, $CPUPercent, ...) of one pool."""

    def __init__(
        self, period: timedelta = SAMPLE_PERIOD, delay: timedelta = DEFAULT_VISIBILITY_DELAY
    ) -> None:
        self.period = period
        self.delay = delay
        self.series: dict[str, MetricSeries] = {}
        self.source = "<metrics>"  # the file these samples came from, for error messages
        self._empty = MetricSeries()

    def span(self) -> tuple[float, float] | None:
        """Epoch seconds of the first and the last sample of any metric (None: no samples at all)."""
        filled = [series.times for series in self.series.values() if series.times]
        if not filled:
            return None
        return min(times[0] for times in filled), max(times[-1] for times in filled)

    def get(self, name: str) -> MetricSeries:
        return self.series.get(canonical_name(name), self._empty)

    def add(self, name: str, at: datetime, value: float) -> None:
        key = canonical_name(name if name.startswith("$") else f"${name}")
        self.series.setdefault(key, MetricSeries()).append(at.timestamp(), value)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, object]], source: str = "<metrics>") -> Metrics:
        """Rows of {"timestamp": ..., "<metric>": value, ...}; an empty or missing cell is a missing sample.

        Rows are numbered from 1 (the first data row, after a CSV header).
        """
        metrics = cls()
        metrics.source = source
        parsed = [(_timestamp(row.get("timestamp"), source, n), n, row) for n, row in enumerate(rows, 1)]
        parsed.sort(key=lambda item: (item[0], item[1]))
        _reject_duplicates(parsed, source)
        for at, number, row in parsed:
            for column, cell in row.items():
                if column == "timestamp" or cell is None or cell == "":
                    continue
                metrics.add(_metric_name(column, source), at, _number(cell, source, number, column))
        return metrics

    @classmethod
    def load(cls, path: str | Path) -> Metrics:
        """Read a metrics file: `.json` ({"samples": [rows]}) or CSV (a timestamp column, one per metric)."""
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as err:
            raise MetricsFileError(f"cannot read metrics file {path}: {err.strerror}") from err
        if path.suffix.lower() == ".json":
            return cls.from_json(text, str(path))
        return cls.from_csv(text, str(path))

    @classmethod
    def from_csv(cls, text: str, source: str = "<csv>") -> Metrics:
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "timestamp" not in reader.fieldnames:
            raise MetricsFileError(
                f"{source}: the header needs a 'timestamp' column and one column per metric",
                fix="e.g. timestamp,ActiveTasks,RunningTasks",
            )
        return cls.from_rows(reader, source)

    @classmethod
    def from_json(cls, text: str, source: str = "<json>") -> Metrics:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as err:
            raise MetricsFileError(f"{source}: not JSON ({err})") from err
        samples = document.get("samples") if isinstance(document, dict) else None
        if not isinstance(samples, list) or not all(isinstance(row, dict) for row in samples):
            raise MetricsFileError(
                f"{source}: expected an object with a 'samples' list of objects",
                fix='{"samples": [{"timestamp": "2024-01-01T00:00:00Z", "ActiveTasks": 3}]}',
            )
        return cls.from_rows(samples, source)

    def to_rows(self) -> list[dict[str, object]]:
        """Wide rows, one per sample time (the format from_rows reads)."""
        by_time: dict[float, dict[str, object]] = {}
        for name, series in sorted(self.series.items()):
            for at, value in zip(series.times, series.values, strict=True):
                row = by_time.setdefault(at, {"timestamp": _iso(at)})
                row[name.lstrip("$")] = value
        return [by_time[at] for at in sorted(by_time)]


def _reject_duplicates(parsed: list[tuple[datetime, int, object]], source: str) -> None:
    """Two rows for one instant would make window counts and percentages meaningless."""
    for (earlier, first, _), (later, second, _) in zip(parsed, parsed[1:], strict=False):
        if earlier == later:
            raise MetricsFileError(
                f"{source}: row {second} repeats the timestamp {_iso(later.timestamp())} of row {first}",
                fix="keep one row per sample time (samples are 30 seconds apart)",
            )


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _timestamp(cell: object, source: str, row: int) -> datetime:
    if not isinstance(cell, str) or not cell:
        raise MetricsFileError(f"{source}: row {row}: 'timestamp' is missing", fix="use ISO 8601 with Z")
    try:
        return parse_time_string(cell)
    except TimeFormatError as err:
        raise MetricsFileError(
            f"{source}: row {row}: timestamp {cell!r} is not ISO 8601 or RFC 1123"
        ) from err


def _metric_name(column: str, source: str) -> str:
    name = column if column.startswith("$") else f"${column}"
    if canonical_name(name) not in METRIC_NAMES:
        columns = [n.lstrip("$") for n in METRIC_NAMES]
        hint = did_you_mean(column.lstrip("$"), columns).lstrip()
        raise MetricsFileError(
            f"{source}: column {column!r} is not a sampled metric",
            fix=(f"{hint} " if hint else "") + "metric columns are " + ", ".join(columns),
        )
    return name


def _number(cell: object, source: str, row: int, column: str) -> float:
    try:
        value = float(cell)  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        raise MetricsFileError(f"{source}: row {row}, column {column!r}: {cell!r} is not a number") from err
    if not math.isfinite(value):
        raise MetricsFileError(f"{source}: row {row}, column {column!r}: {cell!r} is not finite")
    return value
