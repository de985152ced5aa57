"""Lints and input hygiene: constant folding never crashes, look-backs, target shapes, empty and BOM input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch_infra.autoscale import check
from batch_infra.autoscale.language import SERVICE_VARIABLES
from batch_infra.autoscale.lints import closest, edit_distance
from batch_infra.autoscale.validation import analyse


@pytest.mark.parametrize(
    "expression",
    [
        "TimeInterval_Year * 1e9",
        "TimeInterval_Hour * (1e400 - 1e400)",
        "TimeInterval_Hour * 1e400",
        "TimeInterval_Day * 1e9",
        "TimeInterval_Day / (1 - 1)",
        "-(TimeInterval_Year * 1e9)",
    ],
)
def test_folding_an_overflowing_interval_is_not_a_constant(expression: str) -> None:
    result = check(f"$a = {expression}; $TargetDedicatedNodes = avg($ActiveTasks.GetSample($a));")
    assert result.valid, [str(e) for e in result.errors]
    assert "short-lookback" not in {w.code for w in result.warnings}


@pytest.mark.parametrize(
    "window",
    [
        "time() + (-30 * TimeInterval_Second)",
        "time() - TimeInterval_Second * 30",
        "(-30 * TimeInterval_Second) + time()",
        "$start",
    ],
)
def test_short_lookback_with_absolute_windows(window: str) -> None:
    formula = (
        "$start = time() + (-20 * TimeInterval_Second);"
        f"$TargetDedicatedNodes = max(0, max($ActiveTasks.GetSample({window}, time())));"
    )
    warnings = {w.code: w.message for w in check(formula).warnings}
    assert "short-lookback" in warnings and "00:00:" in warnings["short-lookback"]


def test_absolute_window_reaching_far_enough_back_is_quiet() -> None:
    formula = "$TargetDedicatedNodes = max($ActiveTasks.GetSample(time() + (-5 * TimeInterval_Minute)));"
    assert "short-lookback" not in {w.code for w in check(formula).warnings}


@pytest.mark.parametrize(
    ("formula", "effect"),
    [
        ("$TargetDedicatedNodes = avg($ActiveTasks.GetSample(TimeInterval_Minute * 5));", "fractional"),
        ("$TargetDedicatedNodes = $CurrentDedicatedNodes / 2;", "fractional"),
        ("$x = 1.5; $TargetLowPriorityNodes = $x;", "fractional"),
        ("$TargetDedicatedNodes = $CurrentDedicatedNodes - 2;", "negative"),
        ("$TargetLowPriority = 5 - max($ActiveTasks.GetSample(1));", "negative"),
    ],
)
def test_possibly_fractional_or_negative_target_warns(formula: str, effect: str) -> None:
    warnings = [w for w in check(formula).warnings if w.code == "target-shape"]
    assert len(warnings) == 1 and effect in warnings[0].message


@pytest.mark.parametrize(
    "formula",
    [
        "$TargetDedicatedNodes = 3;",
        "$TargetDedicatedNodes = max(0, ceil(avg($ActiveTasks.GetSample(TimeInterval_Minute * 5))));",
        "$TargetDedicatedNodes = max(0, $CurrentDedicatedNodes - 2);",
        "$TargetDedicatedNodes = min(10, max($PendingTasks.GetSample(1)) * 2);",
        "$TargetDedicatedNodes = 1.5; $TargetDedicatedNodes = round($TargetDedicatedNodes);",
    ],
)
def test_whole_non_negative_targets_are_quiet(formula: str) -> None:
    assert "target-shape" not in {w.code for w in check(formula).warnings}


@pytest.mark.parametrize("formula", ["", "   \n", "// only a comment\n", ";"])
def test_empty_formula_is_an_error(formula: str) -> None:
    result = check(formula)
    assert not result.valid and result.errors[0].code == "empty"
    assert "formula is required" in result.errors[0].message


def test_byte_order_mark_names_the_fix() -> None:
    result = check("\ufeff$TargetDedicatedNodes = 1;")
    assert not result.valid and (result.errors[0].line, result.errors[0].column) == (1, 1)
    assert "save the file as UTF-8 without BOM" in result.errors[0].message


def test_2015_names_warn_and_keep_their_corpus_verdict() -> None:
    result = check("$TVMDeallocationOption = taskcompletion; $TargetDedicatedNodes = 1;")
    assert result.valid
    legacy = [w.message for w in result.warnings if w.code == "legacy-name"]
    assert (
        legacy
        and "plain user variable with no effect" in legacy[0]
        and "$NodeDeallocationOption" in legacy[0]
    )


@pytest.mark.parametrize(
    ("formula", "branch"),
    [
        ("$TargetDedicatedNodes = 1 ? 3 : $ActiveTasks.GetSample(5);", "$ActiveTasks"),
        ("$TargetLowPriorityNodes = 0 ? time() : 2;", "time"),
        ("$TargetDedicated = 1 ? 2 : (0 ? 1 : vec(1, 2));", "vec"),
    ],
)
def test_target_assigned_a_ternary_with_a_non_double_branch_is_an_error(formula: str, branch: str) -> None:
    result = check(formula)
    assert not result.valid and "a ternary branch gets a" in result.errors[0].message
    assert (result.errors[0].line, result.errors[0].column) == (1, formula.index(branch) + 1)


def test_following_the_fractional_advice_leaves_no_warning_at_all() -> None:
    """newcomer D22: the fractional-target advice led to ceil(), which the secondary-function lint flags."""
    fractional = "$TargetDedicatedNodes = avg($PendingTasks.GetSample(TimeInterval_Minute * 5));"
    [warning] = check(fractional).warnings
    assert "max() or min() of task counts rather than avg()" in warning.message
    followed = "$TargetDedicatedNodes = max($PendingTasks.GetSample(TimeInterval_Minute * 5));"
    assert check(followed).warnings == []
    halved = "$TargetDedicatedNodes = $TargetDedicatedNodes / 2;"
    assert "whole steps ($TargetDedicatedNodes - 1)" in check(halved).warnings[0].message
    assert check("$TargetDedicatedNodes = max(0, $TargetDedicatedNodes - 1);").warnings == []


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_the_shipped_stacks_formulas_pass_every_lint(stack: str) -> None:
    """newcomer D22: staging's and prod's formulas warned in every preflight."""
    from batch_infra.config import load_stack_file, stack_file
    from tests.fixtures.plans import PROJECT_DIR

    config = load_stack_file(stack_file(stack, PROJECT_DIR), environment=stack).config
    for pool in config.pools:
        if pool.scale.is_autoscale:
            result = check(pool.scale.formula)
            assert result.valid and result.warnings == [], (pool.id, [str(w) for w in result.warnings])


@given(st.text("abcdefgh$", max_size=12), st.text("abcdefgh$", max_size=12), st.integers(0, 4))
def test_the_bounded_edit_distance_agrees_with_the_full_one_up_to_its_limit(a, b, limit):
    full = edit_distance(a, b)
    assert edit_distance(a, b, limit) == min(full, limit + 1)


def test_the_typo_lint_still_finds_one_and_two_edit_typos() -> None:
    assert closest("$PendingTask", SERVICE_VARIABLES) == "$PendingTasks"
    assert closest("$CurentDedicatedNode", SERVICE_VARIABLES) == "$CurrentDedicatedNodes"
    assert closest("$samples", SERVICE_VARIABLES) is None  # a user variable, far from every service name
    assert closest("$Pend", SERVICE_VARIABLES) is None  # too short to guess from


def test_a_formula_text_is_analysed_once_and_each_caller_gets_its_own_result() -> None:
    formula = "$TargetDedicatedNodes = max($PendingTasks.GetSample(1)) + 50;"
    analyse.cache_clear()
    plain = check(formula)
    capped = check(formula, max_dedicated=3)
    assert analyse.cache_info().misses == 1 and analyse.cache_info().hits == 1
    # The pool-dependent lint still runs per call: only the capped call warns.
    assert "uncapped-target" not in {w.code for w in plain.warnings}
    assert "uncapped-target" in {w.code for w in capped.warnings}
    plain.warnings.clear()  # a caller changing its result changes no one else's
    assert [w.code for w in check(formula).warnings] == [
        w.code for w in capped.warnings if w.code != "uncapped-target"
    ]
