"""Simulator: provisioning delay, caps and quotas, failed evaluations leave the pool unchanged, replayed metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from batch_infra.autoscale import Metrics
from batch_infra.autoscale.simulator import SimulationConfig, simulate
from batch_infra.autoscale.workloads import Workload, workload

START = datetime(2024, 1, 1, tzinfo=UTC)


def test_provisioning_delay_and_declared_cap() -> None:
    config = SimulationConfig(
        days=0.1, interval=timedelta(minutes=5), provisioning_delay=timedelta(minutes=5), max_dedicated=3
    )
    result = simulate("$TargetDedicatedNodes = 10;", config=config, workload=workload("constant"))
    first, second, third = result.timeline[:3]
    assert (first.target_dedicated, first.dedicated_nodes, first.provisioning_nodes) == (3, 0, 3)
    assert (second.dedicated_nodes, second.provisioning_nodes) == (3, 0)
    assert third.dedicated_nodes == 3 and result.summary.peak_nodes == 3


def test_quota_caps_spot_and_tasks_drain_when_capacity_suffices() -> None:
    config = SimulationConfig(days=0.5, interval=timedelta(minutes=5), quota_spot=2, task_slots_per_node=4)
    formula = "$TargetLowPriorityNodes = 4; $TargetDedicatedNodes = 0;"
    result = simulate(formula, config=config, workload=Workload("constant", rate=0.5))
    assert {row.target_low_priority for row in result.timeline} == {2}
    assert result.timeline[-1].active_tasks == 0  # 8 slots, 5 tasks running on average
    assert result.summary.node_hours == pytest.approx(2 * 12, abs=0.1)


def test_failed_evaluation_keeps_targets() -> None:
    formula = "$TargetDedicatedNodes = avg($ActiveTasks.GetSample(TimeInterval_Minute * 10, 95)) + 1;"
    result = simulate(
        formula,
        config=SimulationConfig(days=0.05, interval=timedelta(minutes=5)),
        workload=workload("constant"),
    )
    assert result.timeline[0].error.startswith("InsufficientSampleData: Line 1, Col 42")
    assert result.summary.failed_evaluations >= 2 and result.timeline[0].target_dedicated == 0


def test_replayed_metrics_drive_targets() -> None:
    metrics = Metrics()
    for i in range(2 * 120):
        metrics.add("ActiveTasks", START + timedelta(seconds=30 * i), 3.0 if i < 120 else 0.0)
    formula = "$TargetDedicatedNodes = max($ActiveTasks.GetSample(TimeInterval_Minute * 5));"
    result = simulate(
        formula, config=SimulationConfig(days=2 / 24, interval=timedelta(minutes=5)), metrics=metrics
    )
    targets = [row.target_dedicated for row in result.timeline]
    assert targets[3] == 3 and targets[-1] == 0


def test_config_rejects_intervals_azure_refuses() -> None:
    with pytest.raises(ValueError, match="5 minutes to 168 hours"):
        SimulationConfig(interval=timedelta(minutes=1))
