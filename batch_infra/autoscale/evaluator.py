"""Evaluator: compiles a checked formula to closures once, then evaluates it like the service does."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from batch_infra.autoscale import runtime as rt
from batch_infra.autoscale.diagnostics import CheckResult
from batch_infra.autoscale.language import (
    ALIASES,
    DEALLOCATION,
    SERVICE_VARIABLES,
    TARGET_DEDICATED,
    TARGET_LOW_PRIORITY,
    TIME_INTERVALS,
    Type,
    canonical_name,
    recognised,
)
from batch_infra.autoscale.lexer import Pos
from batch_infra.autoscale.metrics import Metrics
from batch_infra.autoscale.nodes import (
    Assign,
    Binary,
    Call,
    Expr,
    Member,
    Method,
    Name,
    Num,
    Str,
    Ternary,
    Unary,
)
from batch_infra.autoscale.parser import parse
from batch_infra.autoscale.sampling import compile_method
from batch_infra.autoscale.timefmt import parse_time_string
from batch_infra.autoscale.validation import check
from batch_infra.errors import BatchInfraError


@dataclass(frozen=True)
class PoolState:
    """What the formula can read about the pool at evaluation time."""

    dedicated_nodes: int = 0
    low_priority_nodes: int = 0
    target_dedicated_nodes: int = 0
    target_low_priority_nodes: int = 0
    task_slots_per_node: int = 1
    node_deallocation_option: str = "requeue"
    usable_nodes: int | None = None  # $UsableNodeCount; defaults to all current nodes


@dataclass(frozen=True)
class AutoScaleRunError:
    """Azure's autoScaleRun.error: {code, message, values: [{name: "Message", value: "Line L, Col C: .."}]}"""

    code: str
    message: str
    values: tuple[dict[str, str], ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "values": list(self.values)}


@dataclass
class EvaluationResult:
    timestamp: datetime
    result_string: str = ""
    error: AutoScaleRunError | None = None
    target_dedicated_nodes: int = 0  # applied: truncated toward zero, negatives as 0
    target_low_priority_nodes: int = 0
    node_deallocation_option: str = "requeue"
    variables: dict[str, rt.Value] = field(default_factory=dict)
    stopped: bool = False


class FormulaInvalidError(BatchInfraError):
    """The formula does not pass check(): the service would refuse it with HTTP 400."""

    def __init__(self, result: CheckResult) -> None:
        self.result = result
        self.code = (
            "AutoScalingFormulaTooLong"
            if result.errors[0].code == "too-long"
            else "AutoScalingFormulaSyntaxError"
        )
        super().__init__(
            f"{self.code}: {result.errors[0]}", fix="run `batch-infra autoscale check` on the formula"
        )


class _Stop(Exception):
    """stop() was called: evaluation ends, keeping assignments made so far."""


class Context:
    __slots__ = ("now", "now_dt", "metrics", "pool", "vars", "rng", "where")

    def __init__(self, at: datetime, metrics: Metrics, pool: PoolState, rng: random.Random) -> None:
        self.now_dt = at
        self.now = at.timestamp()
        self.metrics = metrics
        self.pool = pool
        self.vars: dict[str, rt.Value] = {}
        self.rng = rng
        self.where: dict[str, Pos] = {}  # target (current name) -> its last executed assignment


Compiled = Callable[[Context], rt.Value]


@lru_cache(maxsize=512)
def compile_formula(formula: str) -> tuple[Callable[[Context], None], ...]:
    """Check then compile each statement; cached so repeated evaluations pay nothing for parsing."""
    result = check(formula)
    if not result.valid:
        raise FormulaInvalidError(result)
    return tuple(_statement(s) for s in parse(formula).statements)


def evaluate(
    formula: str,
    *,
    at: datetime,
    metrics: Metrics | None = None,
    current: PoolState | None = None,
    rng: random.Random | None = None,
) -> EvaluationResult:
    """Evaluate like Batch's "evaluate autoscale" API; `.error` is set when the evaluation fails."""
    if at.tzinfo is None:
        raise ValueError("evaluate(at=...) needs an aware datetime (UTC), e.g. datetime.now(UTC)")
    program = compile_formula(formula)
    pool = current or PoolState()
    ctx = Context(at.astimezone(UTC), metrics or Metrics(), pool, rng or random.Random(0))
    result = EvaluationResult(timestamp=ctx.now_dt)
    try:
        for statement in program:
            statement(ctx)
    except _Stop:
        result.stopped = True
    except rt.EvaluationFailure as failure:
        return _failed(result, failure)
    try:
        _finish(result, ctx)
    except rt.EvaluationFailure as failure:
        return _failed(result, failure)
    return result


def _failed(result: EvaluationResult, failure: rt.EvaluationFailure) -> EvaluationResult:
    """The service leaves the pool unchanged and reports autoScaleRun.error; no result string."""
    detail = ({"name": "Message", "value": failure.detail},)
    result.error = AutoScaleRunError(failure.code, failure.message, detail)
    return result


def _finish(result: EvaluationResult, ctx: Context) -> None:
    values = ctx.vars
    dedicated = _final_target(ctx, TARGET_DEDICATED)
    low = _final_target(ctx, TARGET_LOW_PRIORITY)
    option = values.get(DEALLOCATION, ctx.pool.node_deallocation_option)
    result.target_dedicated_nodes, result.target_low_priority_nodes = dedicated, low
    result.node_deallocation_option = str(option)
    user = {k: v for k, v in values.items() if not recognised(k)}
    result.variables = user
    pairs = [f"{TARGET_DEDICATED}={dedicated}", f"{TARGET_LOW_PRIORITY}={low}", f"{DEALLOCATION}={option}"]
    pairs += [f"{name}={rt.format_value(user[name])}" for name in sorted(user)]
    result.result_string = ";".join(pairs)


# targetDedicatedNodes and targetLowPriorityNodes are int32 in the Batch REST API.
MAX_TARGET = 2**31 - 1


def _final_target(ctx: Context, name: str) -> int:
    """The node count the pool applies; a target that is not a finite number fails the evaluation."""
    value = _target_value(ctx, name)
    pos = ctx.where.get(name)
    if pos is None:  # never assigned: the pool's current target, already an int
        return int(value)  # type: ignore[arg-type]
    if not isinstance(value, float) or not math.isfinite(value):
        shown = rt.format_value(value) if isinstance(value, float | list) else type(value).__name__
        raise _fail(pos, f"{name} must end up a finite number of nodes, got {shown}")
    if value >= MAX_TARGET + 1:
        raise _fail(pos, f"{name} = {rt.format_value(value)} exceeds the service's maximum of {MAX_TARGET}")
    # Fractional targets are truncated toward zero (MicrosoftDocs/azure-docs #95350); negatives mean none.
    return max(0, int(value))


def _target_value(ctx: Context, name: str) -> rt.Value:
    """One alias model for reads and the result: the current name wins over its legacy alias (SPEC 5.1)."""
    if name in ctx.vars:
        return ctx.vars[name]
    alias = ALIASES[name]
    if alias in ctx.vars:
        return ctx.vars[alias]
    return float(_POOL_READS[name](ctx.pool))


def _fail(pos: Pos, message: str) -> rt.EvaluationFailure:
    return rt.EvaluationFailure(
        rt.FORMULA_ERROR,
        "Autoscale formula evaluation failed",
        f"Line {pos.line}, Col {pos.column}: {message}",
    )


def _statement(statement) -> Callable[[Context], None]:
    if isinstance(statement, Assign):
        target, value, pos = statement.target, _expr(statement.value), statement.pos
        service = SERVICE_VARIABLES.get(target)
        if service is None or not service.recognised or service.type is not Type.DOUBLE:

            def assign(ctx: Context) -> None:
                ctx.vars[target] = value(ctx)

            return assign
        canonical = canonical_name(target)

        def assign_target(ctx: Context) -> None:
            ctx.vars[target] = value(ctx)
            if target == canonical or canonical not in ctx.vars:  # an alias never overrides the full name
                ctx.where[canonical] = pos

        return assign_target
    expr = _expr(statement.expr)

    def run(ctx: Context) -> None:
        expr(ctx)  # a bare expression statement; only stop() has an effect

    return run


def _expr(node: Expr) -> Compiled:
    match node:
        case Num(value=value):
            return lambda ctx: value
        case Str(value=value):
            return lambda ctx: value
        case Name():
            return _name(node)
        case Call():
            return _call(node)
        case Method():
            return compile_method(node, _expr, _fail)
        case Member(member=member, obj=obj):
            inner = _expr(obj)
            return lambda ctx: _member(inner(ctx), member)
        case Unary(op="-", operand=operand):
            inner = _expr(operand)
            return lambda ctx: -inner(ctx)  # type: ignore[operator]
        case Unary(operand=operand):
            inner = _expr(operand)
            return lambda ctx: 1.0 if inner(ctx) == 0 else 0.0
        case Binary():
            return _binary(node)
        case Ternary(cond=cond, then=then, other=other):
            c, t, o = _expr(cond), _expr(then), _expr(other)
            return lambda ctx: t(ctx) if c(ctx) != 0 else o(ctx)
    raise TypeError(f"not an expression node: {node!r}")


def _member(value: rt.Value, member: str) -> float:
    stamp: datetime = value  # type: ignore[assignment]
    if member == "weekday":
        return float(stamp.isoweekday() % 7)  # .NET DayOfWeek: Sunday 0, Monday 1 ... Saturday 6
    return float(getattr(stamp, member))


_POOL_READS: dict[str, Callable[[PoolState], float]] = {
    "$CurrentDedicatedNodes": lambda p: float(p.dedicated_nodes),
    "$CurrentLowPriorityNodes": lambda p: float(p.low_priority_nodes),
    "$TaskSlotsPerNode": lambda p: float(p.task_slots_per_node),
    "$UsableNodeCount": lambda p: float(
        p.dedicated_nodes + p.low_priority_nodes if p.usable_nodes is None else p.usable_nodes
    ),
    TARGET_DEDICATED: lambda p: float(p.target_dedicated_nodes),
    TARGET_LOW_PRIORITY: lambda p: float(p.target_low_priority_nodes),
    DEALLOCATION: lambda p: rt.DeallocationOption(p.node_deallocation_option),  # type: ignore[return-value]
}


def _name(node: Name) -> Compiled:
    name = node.name
    service = SERVICE_VARIABLES.get(name)
    if service is not None and service.recognised and service.type is not Type.METRIC:
        canonical = canonical_name(name)
        if canonical in ALIASES:
            return lambda ctx: _target_value(ctx, canonical)
        read = _POOL_READS[canonical]
        return lambda ctx: ctx.vars[name] if name in ctx.vars else read(ctx.pool)
    if name in TIME_INTERVALS:
        constant = TIME_INTERVALS[name]
        return lambda ctx: constant
    if name.lower() in ("requeue", "terminate", "taskcompletion", "retaineddata"):
        option = rt.DeallocationOption(name.lower())
        return lambda ctx: ctx.vars.get(name, option)

    def read_user(ctx: Context) -> rt.Value:
        try:
            return ctx.vars[name]
        except KeyError:
            raise _fail(node.pos, f"{name} is read before it is assigned") from None

    return read_user


def _binary(node: Binary) -> Compiled:
    left, right, op = _expr(node.left), _expr(node.right), node.op
    if op == "&&":
        return lambda ctx: 1.0 if left(ctx) != 0 and right(ctx) != 0 else 0.0
    if op == "||":
        return lambda ctx: 1.0 if left(ctx) != 0 or right(ctx) != 0 else 0.0
    if op in rt.COMPARE:
        compare = rt.COMPARE[op]
        return lambda ctx: 1.0 if compare(left(ctx), right(ctx)) else 0.0

    def arithmetic(ctx: Context) -> rt.Value:
        try:
            return rt.arithmetic(op, left(ctx), right(ctx))
        except (ValueError, OverflowError) as err:
            raise _fail(node.pos, str(err)) from err

    return arithmetic


def _call(node: Call) -> Compiled:
    func, args = node.func, [_expr(a) for a in node.args]
    if func == "time":
        fixed = parse_time_string(node.args[0].value) if node.args else None  # type: ignore[union-attr]
        return (lambda ctx: fixed) if fixed else (lambda ctx: ctx.now_dt)
    if func == "rand":
        return lambda ctx: ctx.rng.random()
    if func == "stop":

        def stop(ctx: Context) -> rt.Value:
            raise _Stop

        return stop
    apply = _function(func, len(args))

    def call(ctx: Context) -> rt.Value:
        try:
            return apply([a(ctx) for a in args])
        except ValueError as err:
            raise _fail(node.pos, str(err)) from err

    return call


def _function(func: str, count: int) -> Callable[[list[rt.Value]], rt.Value]:
    if func in rt.AGGREGATE_FUNCTIONS:
        aggregate = rt.AGGREGATE_FUNCTIONS[func]
        return lambda values: aggregate(rt.flatten(values))
    if func in rt.ELEMENTWISE_FUNCTIONS:
        each = rt.ELEMENTWISE_FUNCTIONS[func]

        def elementwise(values: list[rt.Value]) -> rt.Value:
            if count == 1 and isinstance(values[0], float):
                return each(values[0])
            return [each(v) for v in rt.flatten(values)]

        return elementwise
    if func == "vec":
        return rt.flatten  # type: ignore[return-value]
    if func == "percentile":
        return lambda values: rt.percentile(values[0], values[1])  # type: ignore[arg-type]
    if func == "val":
        return lambda values: rt.element(values[0], values[1])  # type: ignore[arg-type]
    raise ValueError(f"no run-time implementation of {func}()")
