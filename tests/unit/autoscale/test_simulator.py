"""Simulator: delays, caps, quotas, failed runs, replay windows, deallocation options, timeline, workloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from batch_infra.autoscale import Metrics
from batch_infra.autoscale.simulator import SimulationConfig, SimulationInputError, simulate
from batch_infra.autoscale.workloads import Workload, workload

START = datetime(2024, 1, 1, tzinfo=UTC)
FIVE = timedelta(minutes=5)


def evaluations(result):
    return [row for row in result.timeline if row.evaluated]


def test_provisioning_delay_and_declared_cap() -> None:
    config = SimulationConfig(days=0.1, interval=FIVE, provisioning_delay=FIVE, max_dedicated=3)
    result = simulate("$TargetDedicatedNodes = 10;", config=config, workload=workload("constant"))
    first, second, third = evaluations(result)[:3]
    assert (first.target_dedicated, first.dedicated_nodes, first.provisioning_nodes) == (3, 0, 3)
    assert (second.dedicated_nodes, second.provisioning_nodes) == (3, 0)
    assert third.dedicated_nodes == 3 and result.summary.peak_nodes == 3


def test_timeline_has_a_row_per_resolution_step_with_an_evaluated_column() -> None:
    config = SimulationConfig(days=1 / 24, interval=FIVE, provisioning_delay=timedelta(minutes=2))
    result = simulate("$TargetDedicatedNodes = 2;", config=config, workload=workload("constant"))
    assert len(result.timeline) == 121  # an hour of 30-s rows, both ends
    assert [row.evaluated for row in result.timeline[:11]] == [True] + [False] * 9 + [True]
    assert result.summary.evaluations == 13
    ready_at = next(row.time for row in result.timeline if row.dedicated_nodes == 2)
    assert ready_at == START + timedelta(minutes=2)  # seen between evaluations, not 5 minutes late
    coarse = simulate(
        "$TargetDedicatedNodes = 2;",
        config=SimulationConfig(days=1 / 24, interval=FIVE, resolution=FIVE),
        workload=workload("constant"),
    )
    assert len(coarse.timeline) == 13 and all(row.evaluated for row in coarse.timeline)


def test_current_dedicated_nodes_counts_provisioning_nodes() -> None:
    config = SimulationConfig(days=0.05, interval=FIVE, provisioning_delay=timedelta(minutes=20))
    formula = "$TargetDedicatedNodes = min(4, $CurrentDedicatedNodes + 1);"
    result = simulate(formula, config=config, workload=workload("constant"))
    assert [row.target_dedicated for row in evaluations(result)[:5]] == [1, 2, 3, 4, 4]


def test_quota_caps_spot_and_tasks_drain_when_capacity_suffices() -> None:
    config = SimulationConfig(days=0.5, interval=FIVE, quota_spot=2, task_slots_per_node=4)
    formula = "$TargetLowPriorityNodes = 4; $TargetDedicatedNodes = 0;"
    result = simulate(formula, config=config, workload=Workload("constant", rate=0.5))
    assert {row.target_low_priority for row in result.timeline} == {2}
    assert result.timeline[-1].active_tasks == 0  # 8 slots, 5 tasks running on average
    assert result.summary.node_hours == pytest.approx(2 * 12, abs=0.1)


def test_huge_targets_are_batches_not_node_lists() -> None:
    config = SimulationConfig(days=0.02, interval=FIVE, quota_dedicated=50_000_000)
    result = simulate("$TargetDedicatedNodes = 2000000000;", config=config, workload=workload("constant"))
    assert result.summary.peak_nodes == 50_000_000
    assert result.timeline[-1].dedicated_nodes == 50_000_000


def test_failed_evaluation_keeps_targets() -> None:
    formula = "$TargetDedicatedNodes = avg($ActiveTasks.GetSample(TimeInterval_Minute * 10, 95)) + 1;"
    result = simulate(
        formula, config=SimulationConfig(days=0.05, interval=FIVE), workload=workload("constant")
    )
    assert result.timeline[0].error.startswith("InsufficientSampleData: Line 1, Col 42")
    assert result.summary.failed_evaluations >= 2 and result.timeline[0].target_dedicated == 0


SHRINK_AT_ONE_HOUR = (
    '$TargetDedicatedNodes = time() < time("2024-01-01T01:00:00Z") ? 5 : 0; $NodeDeallocationOption = {};'
)


def _shrink(option: str):
    config = SimulationConfig(days=2 / 24, interval=FIVE, provisioning_delay=timedelta(0))
    result = simulate(SHRINK_AT_ONE_HOUR.format(option), config=config, workload=Workload("constant", rate=4))
    at_shrink = next(row for row in result.timeline if row.time == START + timedelta(hours=1))
    later = next(row for row in result.timeline if row.time == START + timedelta(hours=1, minutes=5))
    return result, at_shrink, later


@pytest.mark.parametrize("option", ["taskcompletion", "retaineddata"])
def test_waiting_options_keep_busy_nodes_until_their_tasks_finish(option: str) -> None:
    result, at_shrink, later = _shrink(option)
    requeue, _, _ = _shrink("requeue")
    assert at_shrink.dedicated_nodes == 0 and at_shrink.leaving_nodes == 5 and at_shrink.running_tasks > 0
    assert later.leaving_nodes == 5  # tasks run 10 minutes
    assert result.timeline[-1].leaving_nodes == 0
    assert result.summary.node_hours > requeue.summary.node_hours + 0.5
    assert result.summary.tasks_terminated == 0


def test_requeue_and_terminate_remove_busy_nodes_at_once() -> None:
    requeue, _, requeue_row = _shrink("requeue")
    terminate, _, terminate_row = _shrink("terminate")
    assert requeue_row.leaving_nodes == terminate_row.leaving_nodes == 0
    assert requeue_row.running_tasks == terminate_row.running_tasks == 0
    assert requeue.summary.tasks_terminated == 0 and terminate.summary.tasks_terminated == pytest.approx(5)
    # Requeued tasks wait again; terminated ones are gone.
    assert requeue_row.active_tasks == pytest.approx(terminate_row.active_tasks + 5)


def _replay_metrics(first: datetime, samples: int) -> Metrics:
    metrics = Metrics()
    metrics.source = "replay.csv"
    for i in range(samples):
        metrics.add("ActiveTasks", first + timedelta(seconds=30 * i), 3.0 if i < samples // 2 else 0.0)
    return metrics


def test_replayed_metrics_start_at_the_first_sample() -> None:
    first = datetime(2024, 3, 5, 8, tzinfo=UTC)
    formula = "$TargetDedicatedNodes = max(0, max($ActiveTasks.GetSample(TimeInterval_Minute * 5)));"
    result = simulate(
        formula, config=SimulationConfig(days=2 / 24, interval=FIVE), metrics=_replay_metrics(first, 240)
    )
    targets = [row.target_dedicated for row in evaluations(result)]
    assert result.timeline[0].time == first and targets[3] == 3 and targets[-1] == 0


def test_replay_window_outside_the_file_names_file_and_range() -> None:
    config = SimulationConfig(days=1, interval=FIVE, start=datetime(2025, 1, 1, tzinfo=UTC))
    with pytest.raises(
        SimulationInputError, match=r"replay.csv: samples run from 2024-03-05T08:00:00\+00:00"
    ):
        simulate(
            "$TargetDedicatedNodes = 1;",
            config=config,
            metrics=_replay_metrics(datetime(2024, 3, 5, 8, tzinfo=UTC), 10),
        )


def test_config_rejects_intervals_azure_refuses() -> None:
    with pytest.raises(ValueError, match="5 minutes to 168 hours"):
        SimulationConfig(interval=timedelta(minutes=1))
    with pytest.raises(ValueError, match="multiple of 30 seconds"):
        SimulationConfig(resolution=timedelta(seconds=45))


# -- workload shapes -------------------------------------------------------------------------------------
def _hourly(name: str, **kw) -> list[float]:
    load = Workload(name, **kw)
    return [sum(load.arrivals(h * 3600 + s * 30) for s in range(120)) for h in range(24)]


def test_diurnal_peaks_at_midday_and_is_idle_at_night() -> None:
    hours = _hourly("diurnal", rate=4)
    assert max(range(24), key=hours.__getitem__) in (11, 12)
    assert all(hours[h] < 1e-9 for h in (*range(0, 6), *range(18, 24)))
    assert hours[12] == pytest.approx(4 * 60, rel=0.05)


def test_ramp_rises_through_its_period() -> None:
    hours = _hourly("ramp", rate=4, period_hours=24)
    assert hours[0] < hours[6] < hours[12] < hours[23]
    # Each hour brings rate * 60 * (its mid-point's share of the period): 5 tasks first, 235 last.
    assert (hours[0], hours[23]) == (pytest.approx(5, abs=0.1), pytest.approx(235, abs=0.1))


def test_burst_spikes_then_drains() -> None:
    hours = _hourly("burst", rate=2, period_hours=6)
    assert [h for h in range(24) if hours[h]] == [0, 6, 12, 18]
    config = SimulationConfig(days=0.25, interval=FIVE)
    formula = "$TargetDedicatedNodes = min(10, max(0, max($PendingTasks.GetSample(1))));"
    result = simulate(formula, config=config, workload=Workload("burst", rate=2, period_hours=6))
    pending = [row.active_tasks + row.running_tasks for row in result.timeline]
    assert max(pending[:4]) == pytest.approx(120, abs=1)  # an hour's work (2/min) arrives at once
    assert pending[-2] < 1 and pending[-1] > 100  # drained just before the next burst at 6 h


def test_tasks_are_whole_so_a_scale_to_zero_formula_empties_the_pool_at_night() -> None:
    """newcomer D7: a fluid queue decayed forever (1.5e-24 tasks at 3 AM), holding a node all night."""
    formula = (
        "$busy = max($PendingTasks.GetSample(TimeInterval_Minute * 5));"
        "$TargetDedicatedNodes = $busy > 0 ? max(1, ceil($busy / 4)) : 0;"
    )
    config = SimulationConfig(days=3, interval=FIVE)
    result = simulate(formula, config=config, workload=workload("diurnal"))
    night = [r for r in result.timeline if r.time.day == 2 and 1 <= r.time.hour < 4]
    assert night and all(r.target_dedicated == 0 and r.dedicated_nodes == 0 for r in night)
    assert all(r.active_tasks == 0 and r.running_tasks == 0 for r in night)
    pending = result.metrics.get("$PendingTasks").last(10, night[-1].time.timestamp())
    assert pending == [0.0] * 10
    assert isinstance(result.summary.tasks_completed, int) and result.summary.tasks_completed > 0
    assert all(isinstance(r.active_tasks, int) for r in result.timeline)
