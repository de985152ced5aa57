"""Simulator: a pool driven by a formula over days of 30-second metric samples, evaluated every interval."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from batch_infra.autoscale.evaluator import PoolState, compile_formula, evaluate
from batch_infra.autoscale.language import SAMPLE_PERIOD, SERVICE_METRICS
from batch_infra.autoscale.metrics import Metrics, MetricSeries
from batch_infra.autoscale.pool_model import NodeGroup
from batch_infra.autoscale.workloads import Workload
from batch_infra.errors import BatchInfraError

_TICK = SAMPLE_PERIOD.total_seconds()
DEFAULT_START = datetime(2024, 1, 1, tzinfo=UTC)


class SimulationInputError(BatchInfraError):
    """The simulation cannot run on these inputs (e.g. a replay window outside the metrics file)."""


@dataclass(frozen=True)
class SimulationConfig:
    start: datetime | None = None  # default: the first replayed sample, or 2024-01-01 for workloads
    days: float = 1.0
    interval: timedelta = timedelta(minutes=15)  # autoScaleEvaluationInterval: default 15 min, 5 min to 168 h
    provisioning_delay: timedelta = timedelta(minutes=5)
    max_dedicated: int | None = None
    max_spot: int | None = None
    quota_dedicated: int | None = None  # nodes the account's core quota allows
    quota_spot: int | None = None
    task_slots_per_node: int = 1
    task_duration: timedelta = timedelta(minutes=10)
    missing_sample_rate: float = 0.0
    seed: int = 0
    resolution: timedelta = SAMPLE_PERIOD  # one timeline row per this much time (a multiple of 30 s)

    def __post_init__(self) -> None:
        if not timedelta(minutes=5) <= self.interval <= timedelta(hours=168):
            raise ValueError(
                f"interval {self.interval} is outside the service's range of 5 minutes to 168 hours"
            )
        if self.days <= 0:
            raise ValueError(f"days must be positive, got {self.days}")
        seconds = self.resolution.total_seconds()
        if seconds < _TICK or seconds % _TICK:
            raise ValueError(f"resolution {self.resolution} must be a positive multiple of 30 seconds")


@dataclass(frozen=True)
class TimelineRow:
    time: datetime
    evaluated: bool  # an autoscale evaluation ran at this time
    target_dedicated: int
    target_low_priority: int
    dedicated_nodes: int  # ready (idle or running tasks)
    low_priority_nodes: int
    provisioning_nodes: int
    leaving_nodes: int  # removed by a resize but finishing their tasks (taskcompletion, retaineddata)
    active_tasks: int  # tasks are whole: a queue that drains reaches 0, as the service's counts do
    running_tasks: int
    error: str = ""


@dataclass(frozen=True)
class SimulationSummary:
    evaluations: int
    failed_evaluations: int
    node_hours: float
    peak_nodes: int
    task_minutes_waiting: float
    tasks_completed: int
    tasks_terminated: int = 0  # running tasks lost to a resize with $NodeDeallocationOption = terminate
    main_failure: str = ""  # the most frequent evaluation error, with how often it happened
    metrics_coverage: float | None = None  # replay only: share of the simulated window the file covers

    def to_dict(self) -> dict[str, object]:
        """summary.json and `simulate -o json`: the fields in camelCase, as every batch-infra document."""
        return {camel(k): v for k, v in asdict(self).items()}

    @property
    def mostly_failed(self) -> bool:
        """Half or more of the evaluations failed: the pool never followed the formula; a run says so."""
        return self.evaluations > 0 and self.failed_evaluations * 2 >= self.evaluations


@dataclass
class SimulationResult:
    timeline: list[TimelineRow]
    summary: SimulationSummary
    metrics: Metrics = field(repr=False)


def _cap(target: int, *limits: int | None) -> int:
    return min([target, *(limit for limit in limits if limit is not None)])


def simulate(
    formula: str,
    *,
    config: SimulationConfig,
    workload: Workload | None = None,
    metrics: Metrics | None = None,
    progress: Callable[[float], None] | None = None,
) -> SimulationResult:
    """Run `formula` over `config.days`; tasks come from `workload` (closed loop) or `metrics` (replayed).

    `progress` is called with the share of the run done (0 to 1) about 200 times, then with 1."""
    if (workload is None) == (metrics is None):
        raise ValueError("simulate() needs exactly one of workload= or metrics=")
    compile_formula(formula)  # fail fast on an invalid formula, before the loop
    start = config.start or (DEFAULT_START if metrics is None else _replay_start(metrics))
    if metrics is not None:
        _check_overlap(metrics, start, config.days)
    return _Run(formula, config, start, workload, metrics).run(progress or (lambda _: None))


def _replay_start(metrics: Metrics) -> datetime:
    span = metrics.span()
    if span is None:
        raise SimulationInputError(f"{metrics.source}: the metrics file has no samples", fix="add rows")
    return datetime.fromtimestamp(span[0], UTC)


def _check_overlap(metrics: Metrics, start: datetime, days: float) -> None:
    span = metrics.span()
    end = start + timedelta(days=days)
    if span is None or span[1] < start.timestamp() or span[0] > end.timestamp():
        first, last = (datetime.fromtimestamp(t, UTC).isoformat() for t in span) if span else ("-", "-")
        raise SimulationInputError(
            f"{metrics.source}: samples run from {first} to {last}, outside the simulated window "
            f"{start.isoformat()} to {end.isoformat()}",
            fix="omit --start to begin at the first sample, or pick a --start inside the file's range",
        )


# What the workload model counts; every other service metric is sampled as 0 (the model has none of it).
def _coverage(metrics: Metrics, start: datetime, days: float) -> float:
    """The share of [start, start + days] that lies between the file's first and last sample."""
    span = metrics.span() or (0.0, 0.0)
    begin, end = start.timestamp(), start.timestamp() + days * 86400
    covered = max(0.0, min(end, span[1]) - max(begin, span[0]))
    return round(covered / (end - begin), 4)


_SAMPLED = ("$ActiveTasks", "$RunningTasks", "$PendingTasks", "$CPUPercent", "$SampleNodeCount")
_ZERO = tuple(name for name in SERVICE_METRICS if name not in _SAMPLED)


class _Run:
    def __init__(
        self,
        formula: str,
        config: SimulationConfig,
        start: datetime,
        workload: Workload | None,
        replay: Metrics | None,
    ) -> None:
        self.formula, self.config, self.start, self.workload = formula, config, start, workload
        self.metrics = replay if replay is not None else Metrics()
        self.series = (
            {n: self.metrics.series.setdefault(n, MetricSeries()) for n in (*_SAMPLED, *_ZERO)}
            if replay is None
            else {}
        )
        self.dedicated, self.low = NodeGroup(), NodeGroup()
        self.targets = (0, 0)
        self.option = "requeue"
        self.queue = 0  # whole tasks waiting or running on ready nodes
        self.running = 0
        # Fractions carried between ticks: arrivals not yet a whole task, and the running tasks' progress
        # toward their next completion. Counts stay whole (a fluid queue decays forever and never reaches
        # 0, which held "scale to zero when idle" formulas at one node all night).
        self.arriving = 0.0
        self.progress = 0.0
        self.rng = random.Random(config.seed)
        self.timeline: list[TimelineRow] = []
        self.totals = {"node_seconds": 0.0, "peak": 0, "waiting": 0.0, "completed": 0.0, "terminated": 0.0}
        self.evaluations = self.failed = 0
        self.errors: Counter[str] = Counter()

    def run(self, progress: Callable[[float], None]) -> SimulationResult:
        config = self.config
        ticks = int(config.days * 86400 / _TICK)
        every = max(1, ticks // 200)
        per_evaluation = max(1, int(config.interval.total_seconds() / _TICK))
        per_row = int(config.resolution.total_seconds() / _TICK)
        start = self.start.timestamp()
        for tick in range(ticks + 1):
            now = start + tick * _TICK
            self.totals["completed"] += self.dedicated.advance(now) + self.low.advance(now)
            active, running = self.step_tasks(now, tick)
            error = self.evaluate(now) if tick % per_evaluation == 0 else None
            allocated = self.dedicated.allocated + self.low.allocated
            self.totals["node_seconds"] += allocated * _TICK
            self.totals["peak"] = max(self.totals["peak"], allocated)
            self.totals["waiting"] += active * _TICK / 60
            if tick % per_row == 0 or error is not None:
                self.record(now, error, active, running)
            if tick % every == 0:
                progress(tick / max(1, ticks))
        progress(1.0)
        t = self.totals
        summary = SimulationSummary(
            self.evaluations,
            self.failed,
            round(t["node_seconds"] / 3600, 3),
            int(t["peak"]),
            round(t["waiting"], 3),
            round(t["completed"]),
            round(t["terminated"]),
            self._main_failure(),
            _coverage(self.metrics, self.start, config.days) if self.workload is None else None,
        )
        return SimulationResult(self.timeline, summary, self.metrics)

    def step_tasks(self, now: float, tick: int) -> tuple[float, float]:
        """Advance the task queue by one 30-s tick and record the samples the service would take."""
        leaving = self.dedicated.leaving_tasks + self.low.leaving_tasks
        if self.workload is None:
            return self._replayed(now)
        self.arriving += self.workload.arrivals(tick * _TICK)
        arrived = int(self.arriving)
        self.arriving -= arrived
        self.queue += arrived
        capacity = (self.dedicated.ready + self.low.ready) * self.config.task_slots_per_node
        self.running = min(self.queue, capacity)
        finished = 0
        if self.running:
            self.progress += self.running * _TICK / self.config.task_duration.total_seconds()
            finished = min(self.running, int(self.progress))
            self.progress -= finished
        else:
            self.progress = 0.0
        self.queue -= finished
        self.totals["completed"] += finished
        active = self.queue - min(self.queue, capacity)
        running = self.running + round(leaving)
        if self.rng.random() >= self.config.missing_sample_rate:
            cpu = 100.0 * self.running / capacity if capacity else 0.0
            samples = (float(active), float(running), float(active + running), cpu)
            nodes = float(self.dedicated.ready + self.low.ready)
            for name, value in zip(_SAMPLED, (*samples, nodes), strict=True):
                self.series[name].append(now, value)
            for name in _ZERO:
                self.series[name].append(now, 0.0)
        return active, running

    def _replayed(self, now: float) -> tuple[float, float]:
        def latest(name: str) -> float:
            values = self.metrics.get(name).last(1, now)
            return values[0] if values else 0.0

        self.running = latest("$RunningTasks")
        return latest("$ActiveTasks"), self.running

    def evaluate(self, now: float) -> str:
        """One autoscale run; returns its error ('' on success). A failed run leaves the pool unchanged."""
        config = self.config
        # currentDedicatedNodes counts every node in the pool, provisioning and leaving ones included.
        pool = PoolState(
            self.dedicated.allocated,
            self.low.allocated,
            self.targets[0],
            self.targets[1],
            config.task_slots_per_node,
            self.option,
            usable_nodes=self.dedicated.ready + self.low.ready,
        )
        at = datetime.fromtimestamp(now, UTC)
        result = evaluate(self.formula, at=at, metrics=self.metrics, current=pool, rng=self.rng)
        self.evaluations += 1
        if result.error is not None:
            self.failed += 1
            detail = result.error.values[0]["value"] if result.error.values else ""
            self.errors[detail or result.error.code] += 1
            return f"{result.error.code}: {detail}"
        self.option = result.node_deallocation_option
        self.targets = (
            _cap(result.target_dedicated_nodes, config.max_dedicated, config.quota_dedicated),
            _cap(result.target_low_priority_nodes, config.max_spot, config.quota_spot),
        )
        self._resize(now)
        return ""

    def _main_failure(self) -> str:
        if not self.errors:
            return ""
        message, count = self.errors.most_common(1)[0]
        return f"{message} ({count} of {self.failed} failures)"

    def _resize(self, now: float) -> None:
        config = self.config
        delay = config.provisioning_delay.total_seconds()
        slots, drain = config.task_slots_per_node, config.task_duration.total_seconds()
        ready = self.dedicated.ready + self.low.ready
        for group, target in ((self.dedicated, self.targets[0]), (self.low, self.targets[1])):
            share = self.running * group.ready / ready if ready else 0.0  # tasks spread over ready nodes
            shrink = group.resize(target, now, delay, share, slots, self.option, drain)
            # Draining tasks now run on leaving nodes; terminated ones are gone; requeued ones stay queued.
            moved = round(shrink.draining + shrink.terminated)
            self.queue = max(0, self.queue - moved)
            self.running = max(0, self.running - moved - round(shrink.requeued))
            self.totals["terminated"] += shrink.terminated

    def record(self, now: float, error: str | None, active: float, running: float) -> None:
        self.timeline.append(
            TimelineRow(
                datetime.fromtimestamp(now, UTC),
                error is not None,
                self.targets[0],
                self.targets[1],
                self.dedicated.ready,
                self.low.ready,
                self.dedicated.pending_count + self.low.pending_count,
                self.dedicated.leaving_count + self.low.leaving_count,
                round(active),
                round(running),
                error or "",
            )
        )


__all__ = [
    "SimulationConfig",
    "SimulationInputError",
    "SimulationResult",
    "SimulationSummary",
    "TimelineRow",
    "simulate",
]


def camel(snake: str) -> str:
    """A field name as every batch-infra JSON document spells it (`peak_nodes` -> `peakNodes`)."""
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)
