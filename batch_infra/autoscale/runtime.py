"""Run-time semantics of values: vector arithmetic, built-in functions and the service's result formatting."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from datetime import datetime

from batch_infra.autoscale.interval import Interval, between
from batch_infra.autoscale.timefmt import format_double, format_interval, format_timestamp

Value = float | list[float] | str | datetime | Interval


class EvaluationFailure(Exception):
    """The evaluation fails as a whole and the pool is left unchanged (autoScaleRun.error)."""

    def __init__(self, code: str, message: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.message = message
        self.detail = detail


FORMULA_ERROR = "FormulaEvaluationError"  # our code for failures Azure leaves undocumented


class DeallocationOption(str):
    """A bare deallocation keyword (requeue, terminate, taskcompletion, retaineddata)."""


def _divide(a: float, b: float) -> float:
    if b == 0:  # .NET doubles: x/0 is +-Infinity and 0/0 is NaN, not an exception
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * math.copysign(1, b)
    return a / b


_SCALAR: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": _divide,
}


def arithmetic(op: str, a: Value, b: Value) -> Value:
    """+ - * / over doubles, doubleVecs (element-wise), timestamps and timeintervals."""
    scalar = _SCALAR[op]
    if isinstance(a, list) or isinstance(b, list):
        return _vector(scalar, a, b)
    if isinstance(a, float) and isinstance(b, float):
        return scalar(a, b)
    if op == "-" and isinstance(a, datetime) and isinstance(b, datetime):
        return between(a, b)
    # timestamp/timeinterval combinations the checker allowed; Interval raises OverflowError/ValueError
    return _TIME_OPS[op](a, b)


_TIME_OPS: dict[str, Callable[[Value, Value], Value]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}


def _vector(scalar: Callable[[float, float], float], a: Value, b: Value) -> list[float]:
    if isinstance(a, list) and isinstance(b, list):
        # Unequal lengths are undocumented: align the vectors on their newest (last) samples.
        size = min(len(a), len(b))
        return [scalar(x, y) for x, y in zip(a[len(a) - size :], b[len(b) - size :], strict=True)]
    if isinstance(a, list):
        return [scalar(x, b) for x in a]  # type: ignore[arg-type]
    return [scalar(a, y) for y in b]  # type: ignore[arg-type, union-attr]


COMPARE: dict[str, Callable[[object, object], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    ">=": operator.ge,
    ">": operator.gt,
    "!=": operator.ne,
}


def flatten(args: Sequence[Value]) -> list[float]:
    """A doubleVecList: doubles and doubleVecs flattened into one vector, in argument order."""
    out: list[float] = []
    for arg in args:
        if isinstance(arg, list):
            out.extend(arg)
        else:
            out.append(arg)  # type: ignore[arg-type]
    return out


def _nonempty(name: str, values: list[float]) -> list[float]:
    if not values:
        raise ValueError(f"{name}() of an empty vector (no samples in the window?)")
    return values


def _std(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


AGGREGATE_FUNCTIONS: dict[str, Callable[[list[float]], float]] = {
    "avg": lambda v: sum(_nonempty("avg", v)) / len(v),
    "len": lambda v: float(len(v)),
    "max": lambda v: max(_nonempty("max", v)),
    "min": lambda v: min(_nonempty("min", v)),
    "norm": lambda v: math.sqrt(sum(x * x for x in v)),
    "range": lambda v: max(_nonempty("range", v)) - min(v),
    "std": _std,
    "sum": lambda v: math.fsum(v),
}


def _log(base: Callable[[float], float]) -> Callable[[float], float]:
    def apply(x: float) -> float:
        if x > 0:
            return base(x)
        return -math.inf if x == 0 else math.nan

    return apply


ELEMENTWISE_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "lg": _log(math.log2),
    "ln": _log(math.log),
    "log": _log(math.log10),
    "ceil": lambda x: float(math.ceil(x)) if math.isfinite(x) else x,
    "floor": lambda x: float(math.floor(x)) if math.isfinite(x) else x,
    "round": lambda x: (
        float(round(x)) if math.isfinite(x) else x
    ),  # .NET Math.Round: half to even, like Python
}


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (the algorithm is undocumented; p is 0-100)."""
    ordered = sorted(_nonempty("percentile", values))
    rank = min(max(p, 0.0), 100.0) / 100 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def element(values: list[float], index: float) -> float:
    position = int(index)
    if not 0 <= position < len(values):
        raise ValueError(f"val(): index {format_double(index)} is outside a vector of {len(values)} elements")
    return values[position]


def format_value(value: Value) -> str:
    """A variable's value as autoScaleRun.results prints it."""
    if isinstance(value, list):
        return "[" + ",".join(format_double(v) for v in value) + "]"
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, Interval):
        return format_interval(value)
    if isinstance(value, str):
        return str(value)
    return format_double(value)
