"""Lint of SPEC.md 9.5: a target that may end up fractional (truncated by the service) or negative."""

from __future__ import annotations

from dataclasses import dataclass

from batch_infra.autoscale.diagnostics import Reporter
from batch_infra.autoscale.language import SERVICE_VARIABLES, TARGETS, Type, canonical_name
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
)

# Sampled metrics whose samples are whole counts; the others (CPU %, bytes) are fractional.
_COUNT_METRICS = frozenset(
    {"$ActiveTasks", "$RunningTasks", "$PendingTasks", "$SucceededTasks", "$FailedTasks", "$SampleNodeCount"}
    | {"$PreemptedNodeCount"}
)
_FRACTIONAL_CALLS = frozenset({"avg", "std", "norm", "percentile", "lg", "ln", "log", "rand"})


@dataclass(frozen=True)
class Shape:
    """What the expression may evaluate to, from evidence in its text (no evidence: a whole, >= 0 count)."""

    fractional: bool = False
    negative: bool = False

    def __or__(self, other: Shape) -> Shape:
        return Shape(self.fractional or other.fractional, self.negative or other.negative)


_COUNT = Shape()


def lint_target_shapes(formula: Formula, rep: Reporter) -> None:
    """Warn at the last assignment of each target whose value may be fractional or negative."""
    env: dict[str, Shape] = {}
    last: dict[str, tuple[Assign, Shape]] = {}
    for statement in formula.statements:
        if not isinstance(statement, Assign):
            continue
        shape = shape_of(statement.value, env)
        env[statement.target] = shape
        name = canonical_name(statement.target)
        if name in TARGETS:
            last[name] = (statement, shape)
    for statement, shape in last.values():
        effects = [
            effect
            for effect, flag in (
                ("fractional (truncated toward zero: 0.5 becomes 0)", shape.fractional),
                ("negative (applied as 0 nodes)", shape.negative),
            )
            if flag
        ]
        if effects:
            rep.warn(
                statement.pos,
                "target-shape",
                f"{statement.target} may become {' or '.join(effects)}; {_advice(shape)}",
            )


def _advice(shape: Shape) -> str:
    """A fix that passes every lint: whole-number constructs first; ceil() only as the alternative, since
    the secondary-function lint asks to confirm it (it is absent from the 2015-2021 docs)."""
    text = "wrap the value in max(0, ...)" if shape.negative else ""
    if shape.fractional:
        text += ("; " if text else "") + (
            "keep it whole: max() or min() of task counts rather than avg(), whole steps "
            "($TargetDedicatedNodes - 1) rather than division; or ceil(...), which only the current docs "
            "list (confirm it with a live evaluation)"
        )
    return text


def shape_of(expr: Expr, env: dict[str, Shape]) -> Shape:
    match expr:
        case Num(value=value):
            return Shape(fractional=not float(value).is_integer())
        case Name(name=name):
            return env.get(name, _COUNT)  # service doubles and constants are whole counts
        case Unary(op="-", operand=operand):
            inner = shape_of(operand, env)
            return inner if operand == Num(0.0) else Shape(inner.fractional, True)
        case Unary():
            return _COUNT  # '!' gives 0 or 1
        case Binary(op=op, left=left, right=right):
            return _binary(op, shape_of(left, env), shape_of(right, env))
        case Ternary(then=then, other=other):
            return shape_of(then, env) | shape_of(other, env)
        case Call():
            return _call(expr, env)
        case Method(target=target, method=method):
            return _method(target, method)
    return _COUNT  # members (hour, weekday) and strings


def _binary(op: str, left: Shape, right: Shape) -> Shape:
    if op in ("+", "*"):
        return left | right
    if op == "-":
        return Shape(left.fractional or right.fractional, True)
    if op == "/":
        return Shape(True, left.negative or right.negative)
    return _COUNT  # comparisons and logic give 0 or 1


def _call(node: Call, env: dict[str, Shape]) -> Shape:
    args = [shape_of(arg, env) for arg in node.args]
    merged = Shape()
    for arg in args:
        merged |= arg
    if node.func in ("ceil", "floor", "round"):
        return Shape(False, merged.negative)
    if node.func == "max":  # one argument that is never negative keeps the maximum non-negative
        return Shape(merged.fractional, bool(args) and all(a.negative for a in args))
    if node.func in ("len", "norm", "std", "rand"):
        return Shape(node.func != "len", False)
    if node.func in _FRACTIONAL_CALLS:
        return Shape(True, merged.negative or node.func in ("lg", "ln", "log"))
    return merged  # min, sum, val, vec, range


def _method(target: Expr, method: str) -> Shape:
    if method in ("Count", "GetSamplePeriod", "HistoryBeginTime"):
        return _COUNT
    if method == "GetSamplePercent":
        return Shape(True, False)
    name = target.name if isinstance(target, Name) else ""
    metric = SERVICE_VARIABLES.get(name)
    whole = metric is not None and metric.type is Type.METRIC and canonical_name(name) in _COUNT_METRICS
    return Shape(not whole, False)
