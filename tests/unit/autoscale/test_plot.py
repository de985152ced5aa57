"""The simulation PNG through matplotlib objects: title, one unit per axis, legends outside, lines."""

from __future__ import annotations

from datetime import timedelta

import pytest

from batch_infra.autoscale.plot import RunLabel, figure_of, title_lines
from batch_infra.autoscale.simulator import SimulationConfig, SimulationSummary, simulate
from batch_infra.autoscale.workloads import Workload

SPOT_FORMULA = """$pending = max($PendingTasks.GetSample(TimeInterval_Minute * 5));
$TargetDedicatedNodes = min($pending, 3);
$TargetLowPriorityNodes = min($pending, 3);
"""
# Fails while the queue has no 5-minute history (the first evaluation), then scales on pending tasks.
FAILING_FORMULA = "$TargetDedicatedNodes = max($PendingTasks.GetSample(TimeInterval_Minute * 5, 100));"


@pytest.fixture
def figure():
    from matplotlib import pyplot

    made = []

    def draw(formula: str, config: SimulationConfig, name: str = "render.txt"):
        result = simulate(formula, config=config, workload=Workload("burst", 4))
        made.append(figure_of(result, RunLabel(name, config, "burst workload, peak 4 tasks/min")))
        made[-1].canvas.draw()  # lay out, so extents are final
        return made[-1], result

    yield draw
    for made_figure in made:
        pyplot.close(made_figure)


CONFIG = SimulationConfig(days=0.5, interval=timedelta(minutes=5), max_dedicated=3, max_spot=3)


def test_the_title_names_the_formula_file_interval_caps_and_window(figure) -> None:
    made, _ = figure(SPOT_FORMULA, CONFIG)
    title = made.get_suptitle()
    assert title.startswith(
        "render.txt: evaluated every 5 min, max dedicated 3, max Spot 3; 0.5 days of burst"
    )
    assert "evaluations: " in title and "node-hours" in title and "tasks completed" in title


def test_one_unit_per_axis_each_labelled(figure) -> None:
    made, _ = figure(SPOT_FORMULA, CONFIG)
    nodes, tasks = made.axes  # two panels, no twin axes with their own baselines
    assert (nodes.get_ylabel(), tasks.get_ylabel()) == ("nodes", "tasks")
    assert tasks.get_xlabel() == "time (UTC)"
    for axes in made.axes:
        assert axes.get_ylim()[0] < 0 < axes.get_ylim()[1]  # 0 is inside: a line at 0 is not on the spine


def test_legends_sit_outside_the_data(figure) -> None:
    made, _ = figure(SPOT_FORMULA, CONFIG)
    for axes in made.axes:
        legend = axes.get_legend()
        assert legend is not None
        assert legend.get_window_extent().x0 >= axes.get_window_extent().x1  # right of the plotting area


def test_every_line_is_labelled_in_range_and_not_hidden_by_an_equal_one(figure) -> None:
    made, _ = figure(SPOT_FORMULA, CONFIG)
    nodes, tasks = made.axes
    lines = {line.get_label(): line for line in nodes.get_lines()}
    assert set(lines) == {"dedicated: target", "dedicated: ready", "Spot: target", "Spot: ready"}
    # Dedicated and Spot targets are equal here: Spot's band is narrower and drawn above, the ready lines
    # thinner still and on top, the Spot one dashed.
    widths = {label: line.get_linewidth() for label, line in lines.items()}
    assert widths["dedicated: target"] > widths["Spot: target"] > widths["dedicated: ready"]
    order = {label: line.get_zorder() for label, line in lines.items()}
    assert (
        order["dedicated: target"] < order["Spot: target"] < order["dedicated: ready"] < order["Spot: ready"]
    )
    assert lines["Spot: ready"].get_linestyle() != lines["dedicated: ready"].get_linestyle()
    for axes in (nodes, tasks):
        low, high = axes.get_ylim()
        for line in axes.get_lines():
            values = list(line.get_ydata())
            assert low < min(values) and max(values) < high, line.get_label()
    assert {line.get_label() for line in tasks.get_lines()} == {
        "running tasks",
        "waiting tasks (active, no node yet)",
    }


def test_a_kind_at_zero_throughout_says_so_instead_of_a_hidden_line(figure) -> None:
    made, _ = figure("$TargetDedicatedNodes = 2;", CONFIG)
    labels = [text.get_text() for text in made.axes[0].get_legend().get_texts()]
    assert "Spot: 0 throughout (not drawn)" in labels and "dedicated: target" in labels


def test_failed_evaluations_are_marked_and_their_reason_is_in_the_title(figure) -> None:
    made, result = figure(FAILING_FORMULA, CONFIG)
    assert result.summary.failed_evaluations >= 1
    labels = [text.get_text() for text in made.axes[0].get_legend().get_texts()]
    assert f"failed evaluation ({result.summary.failed_evaluations})" in labels
    last = made.get_suptitle().splitlines()[-1]
    assert last.startswith(f"{result.summary.failed_evaluations} of {result.summary.evaluations} evaluations")


def test_counts_in_the_title_are_whole_numbers_with_separators() -> None:
    summary = SimulationSummary(
        evaluations=25_921,
        failed_evaluations=0,
        node_hours=12_345.678,
        peak_nodes=1_200,
        task_minutes_waiting=1_321_010.4,
        tasks_completed=2_000_000,
    )
    text = "\n".join(
        title_lines(RunLabel("F002.txt", SimulationConfig(days=90), "diurnal workload"), summary)
    )
    assert "e+" not in text
    assert "25,921 evaluations: 12,345.7 node-hours, peak 1,200 nodes, 1,321,010 task-minutes waiting" in text
    assert "evaluated every 15 min, no declared maximum; 90 days of diurnal workload" in text
