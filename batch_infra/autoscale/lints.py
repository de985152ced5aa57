"""Lints beyond typing: typo'd names, missing targets, weak sampling, and targets above declared maximums."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from batch_infra.autoscale.diagnostics import Reporter
from batch_infra.autoscale.interval import Interval
from batch_infra.autoscale.language import (
    SERVICE_VARIABLES,
    TARGET_DEDICATED,
    TARGET_LOW_PRIORITY,
    TIME_INTERVALS,
    canonical_name,
)
from batch_infra.autoscale.lexer import Pos
from batch_infra.autoscale.nodes import (
    Assign,
    Binary,
    Call,
    Expr,
    Formula,
    Method,
    Name,
    Num,
    Ternary,
    Unary,
    walk,
)
from batch_infra.autoscale.target_lints import lint_target_shapes
from batch_infra.autoscale.timefmt import format_interval


@dataclass(frozen=True)
class Relative:
    """A timestamp known relative to the evaluation time: time() plus `offset`."""

    offset: Interval


Const = float | Interval | Relative
_ONE_MINUTE = Interval.of(minutes=1)


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Levenshtein distance; with `limit`, any distance above it is returned as limit + 1.

    Bounded, the typo lint costs a length comparison for most names: strings whose lengths differ by more
    than `limit` are never compared, and a row whose every cell is above `limit` stops the loop."""
    if limit is not None and abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if limit is not None and min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1] if limit is None else min(previous[-1], limit + 1)


def closest(name: str, candidates: Iterable[str], limit: int = 2) -> str | None:
    """The candidate within `limit` edits of `name` (case-insensitive, '$' optional), if any."""
    key = name.lower().lstrip("$")
    if len(key) < 6:
        return None
    scored = ((edit_distance(key, c.lower().lstrip("$"), limit), c) for c in candidates)
    best = min(scored, default=None)
    return best[1] if best is not None and best[0] <= limit else None


def run_lints(formula: Formula, rep: Reporter) -> dict[str, float]:
    """Every lint that depends on the formula alone; returns the targets' upper bounds for cap_lints."""
    assigned = {canonical_name(s.target) for s in formula.statements if isinstance(s, Assign)}
    _legacy_and_typo_names(formula, rep, assigned)
    if not assigned & {TARGET_DEDICATED, TARGET_LOW_PRIORITY}:
        rep.warn(
            _first_pos(formula),
            "no-target",
            "the formula sets neither $TargetDedicatedNodes nor "
            "$TargetLowPriorityNodes, so the pool keeps its current size",
        )
    consts, bounds = _sequential_facts(formula)
    _sampling(formula, rep, consts)
    lint_target_shapes(formula, rep)
    return bounds


def _first_pos(formula: Formula) -> Pos:
    return formula.statements[0].pos if formula.statements else Pos(1, 1, 0)


def _names(formula: Formula):
    for statement in formula.statements:
        if isinstance(statement, Assign):
            yield statement.target, statement.pos, True
        expr = statement.value if isinstance(statement, Assign) else statement.expr
        for node in walk(expr):
            if isinstance(node, Name):
                yield node.name, node.pos, False


def _legacy_and_typo_names(formula: Formula, rep: Reporter, assigned: set[str]) -> None:
    by_lower = {name.lower(): name for name in SERVICE_VARIABLES}
    for name, pos, is_target in _names(formula):
        service = SERVICE_VARIABLES.get(name)
        if service is not None:
            if service.note:
                rep.warn(pos, "legacy-name", f"{name}: " + service.note.format(canonical=service.replacement))
            continue
        if name in TIME_INTERVALS or not name.startswith("$") and len(name) < 8:
            continue
        if name.lower() in by_lower:
            rep.warn(
                pos,
                "case-mismatch",
                f"{name} differs from the service variable {by_lower[name.lower()]} "
                "only in case; names are probably case-sensitive, so this is a user variable",
            )
            continue
        guess = closest(name, SERVICE_VARIABLES)
        if guess is None:
            continue
        wanted = canonical_name(guess)
        if is_target and SERVICE_VARIABLES[guess].writable and wanted not in assigned:
            rep.error(
                pos,
                "target-typo",
                f"{name} is not a service variable, so this assignment sets nothing "
                f"and the formula sets no {wanted}: did you mean {guess}?",
            )
        else:
            rep.warn(
                pos,
                "similar-name",
                f"{name} is a user variable one or two edits away from the service "
                f"variable {guess}; did you mean {guess}?",
            )


def const_value(expr: Expr, consts: dict[str, Const]) -> Const | None:
    """The value of `expr` when it is built only from literals, interval constants and constant variables.

    None when it is not a constant, including when folding would fail at run time (overflow, NaN):
    the evaluator reports those with a position, so the linter must not crash on them.
    """
    match expr:
        case Num(value=value):
            return value
        case Name(name=name):
            return TIME_INTERVALS.get(name, consts.get(name))
        case Call(func="time", args=()):
            return Relative(Interval(0))
        case Unary(op="-", operand=operand):
            inner = const_value(operand, consts)
            return None if inner is None or isinstance(inner, Relative) else _guarded(lambda: -inner)
        case Binary(op=op, left=left, right=right) if op in "+-*/":
            return _fold(op, const_value(left, consts), const_value(right, consts))
    return None


def _guarded(compute) -> Const | None:
    try:
        value = compute()
    except (OverflowError, ValueError, ZeroDivisionError):
        return None
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _fold(op: str, left: Const | None, right: Const | None) -> Const | None:
    if left is None or right is None:
        return None
    if isinstance(left, Relative) or isinstance(right, Relative):
        return _fold_relative(op, left, right)
    both_double = isinstance(left, float) and isinstance(right, float)
    if op in "+-" and (both_double or (isinstance(left, Interval) and isinstance(right, Interval))):
        return _guarded(lambda: left + right if op == "+" else left - right)
    if op == "*" and (isinstance(left, float) or isinstance(right, float)):
        return _guarded(lambda: left * right)
    if op == "/" and isinstance(right, float) and right != 0:
        return _guarded(lambda: left / right)
    return None


def _fold_relative(op: str, left: Const, right: Const) -> Const | None:
    if op == "+" and isinstance(left, Relative) and isinstance(right, Interval):
        return _guarded(lambda: Relative(left.offset + right))
    if op == "+" and isinstance(left, Interval) and isinstance(right, Relative):
        return _guarded(lambda: Relative(right.offset + left))
    if op == "-" and isinstance(left, Relative) and isinstance(right, Interval):
        return _guarded(lambda: Relative(left.offset - right))
    return None


def upper_bound(expr: Expr, bounds: dict[str, float], consts: dict[str, Const]) -> float:
    """A sound upper bound of a double expression (math.inf when nothing better is known)."""
    constant = const_value(expr, consts)
    if isinstance(constant, float):
        return constant
    match expr:
        case Name(name=name):
            return bounds.get(name, math.inf)
        case Call(func="min", args=args) if args:
            return min(upper_bound(a, bounds, consts) for a in args)
        case Call(func="max", args=args) if args:
            return max(upper_bound(a, bounds, consts) for a in args)
        case Call(func="ceil" | "floor" | "round", args=(arg,)):
            inner = upper_bound(arg, bounds, consts)
            return math.ceil(inner) if math.isfinite(inner) else inner
        case Ternary(then=then, other=other):
            return max(upper_bound(then, bounds, consts), upper_bound(other, bounds, consts))
        case Binary(op="+", left=left, right=right):
            return upper_bound(left, bounds, consts) + upper_bound(right, bounds, consts)
        case Binary(op=op, left=left, right=right) if op in "-*/":
            return _scaled_bound(op, left, right, bounds, consts)
    return math.inf


def _scaled_bound(
    op: str, left: Expr, right: Expr, bounds: dict[str, float], consts: dict[str, Const]
) -> float:
    right_const, left_const = const_value(right, consts), const_value(left, consts)
    if op == "-" and isinstance(right_const, float):
        return upper_bound(left, bounds, consts) - right_const
    if op == "/" and isinstance(right_const, float) and right_const > 0:
        return upper_bound(left, bounds, consts) / right_const
    if op == "*":
        for factor, other in ((right_const, left), (left_const, right)):
            if isinstance(factor, float) and factor >= 0:
                return factor * upper_bound(other, bounds, consts) if factor else 0.0
    return math.inf


def _sequential_facts(formula: Formula) -> tuple[dict[str, Const], dict[str, float]]:
    """Constant values and upper bounds of variables as they stand at the end of the formula."""
    consts: dict[str, Const] = {}
    bounds: dict[str, float] = {}
    for statement in formula.statements:
        if not isinstance(statement, Assign):
            continue
        value = const_value(statement.value, consts)
        bound = upper_bound(statement.value, bounds, consts)
        consts.pop(statement.target, None)
        if value is not None:
            consts[statement.target] = value
        bounds[statement.target] = bound
    return consts, bounds


def _sampling(formula: Formula, rep: Reporter, consts: dict[str, Const]) -> None:
    last_sample_only, windowed = [], False
    for statement in formula.statements:
        expr = statement.value if isinstance(statement, Assign) else statement.expr
        for node in walk(expr):
            if (
                not isinstance(node, Method)
                or node.method not in ("GetSample", "GetSamplePercent")
                or not node.args
            ):
                continue
            values = [const_value(arg, consts) for arg in node.args]
            if node.method == "GetSample" and len(values) == 1 and values[0] == 1.0:
                last_sample_only.append(node.pos)
                continue
            windowed = True
            _percent_range(node, values, rep)
            looks = [_lookback(v) for v in values[:2] if isinstance(v, Interval | Relative)]
            if looks and max(looks) < _ONE_MINUTE:
                rep.warn(
                    node.pos,
                    "short-lookback",
                    f"{node.method}() looks back only {format_interval(max(looks))}; samples "
                    "become visible about one minute late, so start the window more than a minute back",
                )
    if last_sample_only and not windowed:
        rep.warn(
            last_sample_only[0],
            "last-sample-only",
            "the formula relies on GetSample(1) alone (the last "
            "sample, however old); combine it with a time window such as GetSample(TimeInterval_Minute * 5)",
        )


def _lookback(point: Interval | Relative) -> Interval:
    """How far before the evaluation a window point lies: an interval look-back, or now - (time() + x)."""
    return point if isinstance(point, Interval) else -point.offset


def _percent_range(node: Method, values: list[Const | None], rep: Reporter) -> None:
    if node.method != "GetSample" or len(values) < 2:
        return
    percent = values[-1]
    if isinstance(percent, float) and not 0 <= percent <= 100:
        rep.error(
            node.args[-1].pos,
            "value",
            f"GetSample() sample percentage must be between 0 and 100, got {percent:g}",
        )


def cap_lints(
    formula: Formula, rep: Reporter, bounds: dict[str, float], max_dedicated: int | None, max_spot: int | None
) -> None:
    """Warn when a target can exceed the pool's declared maximum (the one lint that depends on the pool)."""
    for target, alias, limit, kind in (
        (TARGET_DEDICATED, "$TargetDedicated", max_dedicated, "dedicated"),
        (TARGET_LOW_PRIORITY, "$TargetLowPriority", max_spot, "Spot"),
    ):
        name = target if target in bounds else alias if alias in bounds else None
        if limit is None or name is None or bounds[name] <= limit:
            continue
        last = [s for s in formula.statements if isinstance(s, Assign) and s.target == name][-1]
        rep.warn(
            last.pos,
            "uncapped-target",
            f"{name} is not capped by the declared maximum of {limit} {kind} "
            f"nodes; end the formula with {target} = min({target}, {limit});",
        )
