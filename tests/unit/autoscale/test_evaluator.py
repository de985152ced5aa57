"""Evaluator semantics: result strings, sampling windows, InsufficientSampleData, stop(), caps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from batch_infra.autoscale import FormulaInvalidError, Metrics, PoolState, check, evaluate
from batch_infra.autoscale.caps import cap_formula
from tests.unit.autoscale.reference import corpus

AT = datetime(2024, 1, 3, 10, 0, tzinfo=UTC)  # a Wednesday


def history(minutes: int, **values: float) -> Metrics:
    """`minutes` of 30-s samples ending at AT, every metric constant."""
    metrics = Metrics()
    for i in reversed(range(minutes * 2)):
        for name, value in values.items():
            metrics.add(name, AT - timedelta(seconds=30 * i), value)
    return metrics


def test_recorded_service_result_f064() -> None:
    text = next(e.text for e in corpus() if e.id == "F064")
    assert (
        evaluate(text, at=AT).result_string
        == "$TargetDedicatedNodes=3;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue"
    )


def test_user_variables_follow_sorted_and_formatted() -> None:
    result = evaluate(
        "$tasks = 0; $round = 3; now = time(); v = vec(1, 2.5); $TargetLowPriorityNodes = 5;"
        "$NodeDeallocationOption = taskcompletion;",
        at=AT,
    )
    assert result.result_string == (
        "$TargetDedicatedNodes=0;$TargetLowPriorityNodes=5;$NodeDeallocationOption=taskcompletion;"
        "$round=3;$tasks=0;now=2024-01-03T10:00:00.000Z;v=[1,2.5]"
    )


def test_unassigned_targets_keep_the_pool_targets_and_alias_loses_to_full_name() -> None:
    pool = PoolState(dedicated_nodes=2, target_dedicated_nodes=4, target_low_priority_nodes=1)
    assert evaluate("$x = 1;", at=AT, current=pool).result_string.startswith(
        "$TargetDedicatedNodes=4;$TargetLowPriorityNodes=1;"
    )
    assert evaluate("$TargetDedicatedNodes = 2; $TargetDedicated = 1;", at=AT).target_dedicated_nodes == 2
    assert evaluate("$TargetDedicated = 7;", at=AT).target_dedicated_nodes == 7
    assert (
        evaluate(
            "$TargetDedicatedNodes = $TargetDedicatedNodes + 1;", at=AT, current=pool
        ).target_dedicated_nodes
        == 5
    )


def test_fractional_targets_truncate_toward_zero() -> None:
    assert evaluate(
        "$TargetDedicatedNodes = 0.5; $TargetLowPriorityNodes = 2.99;", at=AT
    ).result_string.startswith("$TargetDedicatedNodes=0;$TargetLowPriorityNodes=2;")


def test_get_sample_window_percent_and_failure() -> None:
    metrics = history(10, RunningTasks=4.0)
    ok = evaluate(
        "$v = $RunningTasks.GetSample(TimeInterval_Minute * 10, 80); $p = "
        "$RunningTasks.GetSamplePercent(TimeInterval_Minute * 10); $TargetDedicatedNodes = avg($v);",
        at=AT,
        metrics=metrics,
    )
    assert ok.error is None and ok.target_dedicated_nodes == 4
    assert ok.variables["$p"] == 90.0  # the newest minute is not visible yet: 18 of 20 samples
    failed = evaluate(
        "$TargetDedicatedNodes = avg($RunningTasks.GetSample(TimeInterval_Minute * 20, 70));",
        at=AT,
        metrics=metrics,
    )
    assert failed.error is not None and failed.error.code == "InsufficientSampleData"
    assert failed.error.values[0]["value"] == (
        "Line 1, Col 43: Insufficient data from data set: $RunningTasks wanted 70%, received 45%"
    )
    assert failed.result_string == ""


def test_count_and_two_point_windows() -> None:
    metrics = history(10, ActiveTasks=1.0)
    result = evaluate(
        "$n = $ActiveTasks.Count(); $last = $ActiveTasks.GetSample(3);"
        "$mid = $ActiveTasks.GetSample(6 * TimeInterval_Minute, TimeInterval_Minute);"
        "$begin = $ActiveTasks.HistoryBeginTime();",
        at=AT,
        metrics=metrics,
    )
    assert result.variables["$n"] == 18.0
    assert result.variables["$last"] == [1.0, 1.0, 1.0]
    assert len(result.variables["$mid"]) == 11  # both ends inclusive, 30 s apart
    assert result.variables["$begin"] == AT - timedelta(seconds=30 * 19)


def test_time_members_and_intervals() -> None:
    result = evaluate(
        '$t = time() + (-6 * TimeInterval_Hour); $w = time("Sun, 07 Jan 2024 10:00:00 GMT").weekday;'
        '$age = time() - time("2024-01-03T09:30:00Z"); $old = $age > TimeInterval_Minute * 10;',
        at=AT,
    )
    assert result.variables["$t"].hour == 4
    assert result.variables["$w"] == 0.0  # .NET DayOfWeek: Sunday is 0
    assert result.variables["$old"] == 1.0
    assert "$age=00:30:00" in result.result_string


def test_stop_keeps_earlier_assignments() -> None:
    result = evaluate("$TargetDedicatedNodes = 2; stop(); $TargetDedicatedNodes = 9;", at=AT)
    assert result.stopped and result.target_dedicated_nodes == 2


def test_vector_semantics_and_ternary_short_circuit() -> None:
    result = evaluate(
        "$v = vec(1, 2, 3) + vec(10, 20); $a = avg($v, 7); $p = percentile(vec(1, 2, 3, 4), 50);"
        "$s = 0 ? val(vec(1), 5) : 1; $d = 1 / 0;",
        at=AT,
    )
    assert result.variables["$v"] == [12.0, 23.0]  # unequal lengths align on the newest samples
    assert result.variables["$a"] == (12 + 23 + 7) / 3
    assert result.variables["$p"] == 2.5
    assert result.variables["$s"] == 1.0
    assert "$d=Infinity" in result.result_string


def test_runtime_failure_names_line_and_column() -> None:
    result = evaluate("$x = 1;\n$TargetDedicatedNodes = val($ActiveTasks.GetSample(1), 0);", at=AT)
    assert result.error is not None and result.error.code == "FormulaEvaluationError"
    assert result.error.values[0]["value"].startswith("Line 2, Col 25: val(): index 0 is outside")


def test_invalid_formula_is_refused_like_http_400() -> None:
    with pytest.raises(FormulaInvalidError, match="AutoScalingFormulaSyntaxError: line 1, col 28"):
        evaluate("$TargetDedicatedNodes = 3 +;", at=AT)
    with pytest.raises(ValueError, match="aware datetime"):
        evaluate("$TargetDedicatedNodes = 3;", at=datetime(2024, 1, 1))


@pytest.mark.parametrize(
    "formula",
    [
        "$TargetDedicatedNodes = 100 // trailing comment",
        "$TargetDedicated = 50;",
        "",
        "$TargetLowPriorityNodes = $CurrentLowPriorityNodes * 2;",
    ],
)
def test_cap_formula_is_valid_and_clamps(formula: str) -> None:
    assert any(w.code == "uncapped-target" for w in check(formula, max_dedicated=5, max_spot=3).warnings) == (
        formula != ""
    )
    capped = cap_formula(formula, 5, 3)
    result = check(capped, max_dedicated=5, max_spot=3)
    assert result.valid and not any(w.code == "uncapped-target" for w in result.warnings)
    pool = PoolState(low_priority_nodes=10, target_dedicated_nodes=8, target_low_priority_nodes=10)
    evaluated = evaluate(capped, at=AT, current=pool)
    assert evaluated.target_dedicated_nodes <= 5 and evaluated.target_low_priority_nodes <= 3


def test_metrics_files_round_trip(tmp_path) -> None:
    csv_file = tmp_path / "m.csv"
    csv_file.write_text(
        "timestamp,ActiveTasks,$RunningTasks\n2024-01-03T09:58:30Z,3,\n2024-01-03T09:58:00Z,2,1\n"
    )
    metrics = Metrics.load(csv_file)
    assert metrics.get("$ActiveTasks").values == [2.0, 3.0] and metrics.get("$RunningTasks").values == [1.0]
    json_file = tmp_path / "m.json"
    json_file.write_text('{"samples": ' + __import__("json").dumps(metrics.to_rows()) + "}")
    assert Metrics.load(json_file).get("$ActiveTasks").times == metrics.get("$ActiveTasks").times
    csv_file.write_text("timestamp,QueuedTasks\n2024-01-03T09:58:30Z,3\n")
    with pytest.raises(Exception, match="'QueuedTasks' is not a sampled metric"):
        Metrics.load(csv_file)
