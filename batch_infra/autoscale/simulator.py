"""Simulator: a pool driven by a formula over days of 30-second metric samples, evaluated every interval."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from batch_infra.autoscale.evaluator import PoolState, compile_formula, evaluate
from batch_infra.autoscale.language import SAMPLE_PERIOD
from batch_infra.autoscale.metrics import Metrics, MetricSeries
from batch_infra.autoscale.workloads import Workload

_TICK = SAMPLE_PERIOD.total_seconds()


@dataclass(frozen=True)
class SimulationConfig:
    start: datetime = datetime(2024, 1, 1, tzinfo=UTC)
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

    def __post_init__(self) -> None:
        if not timedelta(minutes=5) <= self.interval <= timedelta(hours=168):
            raise ValueError(
                f"interval {self.interval} is outside the service's range of 5 minutes to 168 hours"
            )
        if self.days <= 0:
            raise ValueError(f"days must be positive, got {self.days}")


@dataclass(frozen=True)
class TimelineRow:
    time: datetime
    target_dedicated: int
    target_low_priority: int
    dedicated_nodes: int
    low_priority_nodes: int
    provisioning_nodes: int
    active_tasks: float
    running_tasks: float
    error: str = ""


@dataclass(frozen=True)
class SimulationSummary:
    evaluations: int
    failed_evaluations: int
    node_hours: float
    peak_nodes: int
    task_minutes_waiting: float
    tasks_completed: float


@dataclass
class SimulationResult:
    timeline: list[TimelineRow]
    summary: SimulationSummary
    metrics: Metrics = field(repr=False)


class _NodeGroup:
    """Nodes of one kind: ready ones plus those still provisioning (each with its ready time)."""

    def __init__(self) -> None:
        self.ready = 0
        self.pending: list[float] = []

    @property
    def allocated(self) -> int:
        return self.ready + len(self.pending)

    def advance(self, now: float) -> None:
        still = [at for at in self.pending if at > now]
        self.ready += len(self.pending) - len(still)
        self.pending = still

    def resize(self, target: int, now: float, delay: float) -> None:
        if target > self.allocated:
            self.pending.extend([now + delay] * (target - self.allocated))
            return
        surplus = self.allocated - target
        drop_pending = min(surplus, len(self.pending))
        self.pending = self.pending[: len(self.pending) - drop_pending]
        self.ready -= surplus - drop_pending  # removal is immediate (requeue)


def _cap(target: int, *limits: int | None) -> int:
    return min([target, *(limit for limit in limits if limit is not None)])


def simulate(
    formula: str,
    *,
    config: SimulationConfig,
    workload: Workload | None = None,
    metrics: Metrics | None = None,
) -> SimulationResult:
    """Run `formula` over `config.days`; task metrics come from `workload` (closed loop) or `metrics` (replayed)."""
    if (workload is None) == (metrics is None):
        raise ValueError("simulate() needs exactly one of workload= or metrics=")
    compile_formula(formula)  # fail fast on an invalid formula, before the loop
    return _Run(formula, config, workload, metrics).run()


class _Run:
    def __init__(
        self, formula: str, config: SimulationConfig, workload: Workload | None, replay: Metrics | None
    ) -> None:
        self.formula, self.config, self.workload = formula, config, workload
        self.metrics = replay if replay is not None else Metrics()
        self.series = (
            {
                name: self.metrics.series.setdefault(name, MetricSeries())
                for name in (
                    "$ActiveTasks",
                    "$RunningTasks",
                    "$PendingTasks",
                    "$CPUPercent",
                    "$SampleNodeCount",
                )
            }
            if replay is None
            else {}
        )
        self.dedicated, self.low = _NodeGroup(), _NodeGroup()
        self.targets = (0, 0)
        self.queue = 0.0
        self.rng = random.Random(config.seed)
        self.timeline: list[TimelineRow] = []
        self.totals = {"node_seconds": 0.0, "peak": 0, "waiting": 0.0, "completed": 0.0, "failed": 0}

    def run(self) -> SimulationResult:
        config = self.config
        ticks = int(config.days * 86400 / _TICK)
        per_evaluation = max(1, int(config.interval.total_seconds() / _TICK))
        start = config.start.timestamp()
        for tick in range(ticks + 1):
            now = start + tick * _TICK
            self.dedicated.advance(now)
            self.low.advance(now)
            active, running = self.step_tasks(now, tick)
            if tick % per_evaluation == 0:
                self.evaluate(now, active, running)
            allocated = self.dedicated.allocated + self.low.allocated
            self.totals["node_seconds"] += allocated * _TICK
            self.totals["peak"] = max(self.totals["peak"], allocated)
            self.totals["waiting"] += active * _TICK / 60
        t = self.totals
        summary = SimulationSummary(
            len(self.timeline),
            int(t["failed"]),
            round(t["node_seconds"] / 3600, 3),
            int(t["peak"]),
            round(t["waiting"], 3),
            round(t["completed"], 3),
        )
        return SimulationResult(self.timeline, summary, self.metrics)

    def step_tasks(self, now: float, tick: int) -> tuple[float, float]:
        """Advance the task queue by one 30-s tick and record the samples the service would take."""
        if self.workload is None:
            return self._replayed(now)
        self.queue += self.workload.arrivals(tick * _TICK)
        capacity = (self.dedicated.ready + self.low.ready) * self.config.task_slots_per_node
        running = min(self.queue, capacity)
        finished = running * _TICK / self.config.task_duration.total_seconds()
        self.queue = max(0.0, self.queue - finished)
        self.totals["completed"] += finished
        active = self.queue - min(self.queue, capacity)
        if self.rng.random() >= self.config.missing_sample_rate:
            samples = {
                "$ActiveTasks": active,
                "$RunningTasks": running,
                "$PendingTasks": active + running,
                "$CPUPercent": 100.0 * running / capacity if capacity else 0.0,
                "$SampleNodeCount": float(self.dedicated.ready + self.low.ready),
            }
            for name, value in samples.items():
                self.series[name].append(now, value)
        return active, running

    def _replayed(self, now: float) -> tuple[float, float]:
        def latest(name: str) -> float:
            values = self.metrics.get(name).last(1, now)
            return values[0] if values else 0.0

        return latest("$ActiveTasks"), latest("$RunningTasks")

    def evaluate(self, now: float, active: float, running: float) -> None:
        config = self.config
        at = datetime.fromtimestamp(now, UTC)
        pool = PoolState(
            self.dedicated.ready, self.low.ready, self.targets[0], self.targets[1], config.task_slots_per_node
        )
        result = evaluate(self.formula, at=at, metrics=self.metrics, current=pool, rng=self.rng)
        error = ""
        if result.error is not None:  # the service leaves the pool unchanged
            self.totals["failed"] += 1
            error = f"{result.error.code}: {result.error.values[0]['value'] if result.error.values else ''}"
        else:
            self.targets = (
                _cap(result.target_dedicated_nodes, config.max_dedicated, config.quota_dedicated),
                _cap(result.target_low_priority_nodes, config.max_spot, config.quota_spot),
            )
            delay = config.provisioning_delay.total_seconds()
            self.dedicated.resize(self.targets[0], now, delay)
            self.low.resize(self.targets[1], now, delay)
        self.timeline.append(
            TimelineRow(
                at,
                self.targets[0],
                self.targets[1],
                self.dedicated.ready,
                self.low.ready,
                len(self.dedicated.pending) + len(self.low.pending),
                round(active, 3),
                round(running, 3),
                error,
            )
        )


__all__ = ["SimulationConfig", "SimulationResult", "SimulationSummary", "TimelineRow", "simulate"]
