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
    assert len(result.variables["$mid"]) == 10  # (6 min ago, 1 min ago]: SPEC 7.1's "10 samples"
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


def test_windows_are_half_open_at_the_old_end() -> None:
    # A sample sits exactly on the window's old end (20 minutes of history); SPEC 7.1: 18 of 20 (90 %).
    metrics = history(20, RunningTasks=1.0)
    result = evaluate(
        "$v = $RunningTasks.GetSample(TimeInterval_Minute * 10);"
        "$p = $RunningTasks.GetSamplePercent(TimeInterval_Minute * 10);"
        "$abs = $RunningTasks.GetSample(time() + (-10 * TimeInterval_Minute), time());",
        at=AT,
        metrics=metrics,
    )
    assert len(result.variables["$v"]) == 18 and result.variables["$p"] == 90.0
    assert len(result.variables["$abs"]) == 18


@pytest.mark.parametrize(
    ("statement", "shown"),
    [
        # The branch types differ (a warning for check()), so only evaluation can see the vector.
        ("$v = 0 ? 1 : $ActiveTasks.GetSample(1); $TargetDedicatedNodes = $v;", "got [3]"),
        ("$TargetDedicatedNodes = 0 / 0;", "got NaN"),
        ("$TargetDedicatedNodes = 1 / 0;", "got Infinity"),
        ("$TargetDedicatedNodes = -1 / 0;", "got -Infinity"),
        ("$v = 1 ? vec(1, 2) : 3; $TargetDedicatedNodes = $v;", "got [1,2]"),
        ("$TargetDedicatedNodes = 100000000000 * 1000000000;", "exceeds the service's maximum of 2147483647"),
    ],
)
def test_targets_that_are_not_node_counts_fail_at_the_assignment(statement: str, shown: str) -> None:
    metrics = history(5, ActiveTasks=3.0)
    result = evaluate(f"$x = 1;\n  {statement}", at=AT, metrics=metrics)
    assert result.error is not None and result.error.code == "FormulaEvaluationError", result.result_string
    detail = result.error.values[0]["value"]
    assert detail.startswith("Line 2, Col ") and "$TargetDedicatedNodes" in detail
    assert shown in detail and result.result_string == ""


def test_negative_targets_apply_as_zero_and_the_int32_edge_is_accepted() -> None:
    result = evaluate("$TargetDedicatedNodes = -3; $TargetLowPriorityNodes = 2147483647.5;", at=AT)
    assert result.error is None and result.target_dedicated_nodes == 0
    assert result.target_low_priority_nodes == 2147483647


def test_alias_write_then_current_name_read_agree() -> None:
    pool = PoolState(target_dedicated_nodes=4)
    result = evaluate("$TargetDedicated = 7; $seen = $TargetDedicatedNodes;", at=AT, current=pool)
    assert result.variables["$seen"] == 7.0 and result.target_dedicated_nodes == 7
    # The full name wins over its alias whatever the order, for reads and for the result alike.
    result = evaluate(
        "$TargetDedicatedNodes = 2; $TargetDedicated = 9; $seen = $TargetDedicated;", at=AT, current=pool
    )
    assert result.variables["$seen"] == 2.0 and result.target_dedicated_nodes == 2
    result = evaluate("$TargetLowPriority = 5; $seen = $TargetLowPriorityNodes + 1;", at=AT)
    assert result.variables["$seen"] == 6.0 and result.target_low_priority_nodes == 5


def test_2015_names_are_plain_user_variables_without_effect() -> None:
    metrics = history(5, SampleNodeCount=4.0)
    result = evaluate(
        "$TVMDeallocationOption = taskcompletion;"
        "$n = len($SampleTVMCount.GetSample(TimeInterval_Minute * 3));",
        at=AT,
        metrics=metrics,
    )
    assert result.node_deallocation_option == "requeue" and result.variables["$n"] == 0.0
    assert result.result_string == (
        "$TargetDedicatedNodes=0;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;"
        "$TVMDeallocationOption=taskcompletion;$n=0"
    )


def test_timeintervals_are_exact_to_100ns() -> None:
    result = evaluate(
        "$a = TimeInterval_100ns; $b = TimeInterval_100ns * 3 + TimeInterval_Microsecond;"
        "$c = TimeInterval_100ns > TimeInterval_Zero; $d = TimeInterval_Second / 3;"
        "$e = -1.5 * TimeInterval_Day;",
        at=AT,
    )
    assert "$a=00:00:00.0000001;$b=00:00:00.0000013;$c=1;$d=00:00:00.3333333;$e=-1.12:00:00" in (
        result.result_string
    )


@pytest.mark.parametrize(
    "expression", ["TimeInterval_Year * 1000000000", "TimeInterval_Hour * (0 / 0)", "TimeInterval_Day / 0"]
)
def test_interval_overflow_and_nan_fail_with_a_position(expression: str) -> None:
    result = evaluate(f"$a = {expression};", at=AT)
    assert result.error is not None and result.error.values[0]["value"].startswith("Line 1, Col ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sun, 7 Jan 2024 10:00:00 GMT", datetime(2024, 1, 7, 10, tzinfo=UTC)),
        ("Wed, 03 Jan 2024 10:00:00 GMT", datetime(2024, 1, 3, 10, tzinfo=UTC)),
    ],
)
def test_rfc1123_accepts_a_one_digit_day(text: str, expected: datetime) -> None:
    assert evaluate(f'$t = time("{text}");', at=AT).variables["$t"] == expected


def test_rfc1123_weekday_must_match_the_date() -> None:
    result = check('$t = time("Mon, 07 Jan 2024 10:00:00 GMT");')
    assert not result.valid and "07 Jan 2024 is a Sun, not a Mon" in result.errors[0].message
