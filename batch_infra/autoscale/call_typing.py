"""Typing of function calls and metric method calls (SPEC.md sections 4-6), the TypeChecker's call half."""

from __future__ import annotations

from batch_infra.autoscale.diagnostics import Reporter
from batch_infra.autoscale.language import (
    AGGREGATES,
    ELEMENTWISE,
    FUNCTIONS,
    METHODS,
    SECONDARY_FUNCTIONS,
    SERVICE_VARIABLES,
    Type,
)
from batch_infra.autoscale.nodes import Call, Expr, Method, Name, Str, start_of
from batch_infra.autoscale.timefmt import TimeFormatError, parse_time_string

D, V, TS, TI = Type.DOUBLE, Type.VEC, Type.TIMESTAMP, Type.INTERVAL
_TIME = (TS, TI)
_NUMERIC = (D, V)


class CallTyping:
    """Mixed into TypeChecker: needs its reporter `rep` and its `expr` (the type of any expression)."""

    rep: Reporter

    def expr(self, node: Expr) -> Type:
        raise NotImplementedError  # TypeChecker.expr

    def call(self, node: Call) -> Type:
        arg_types = [self.expr(arg) for arg in node.args]
        func, count = node.func, len(node.args)
        if func not in FUNCTIONS:
            hint = f"; {func} is a method: write $Metric.{func}(...)" if func in METHODS else ""
            self.rep.error(
                node.pos,
                "unknown-function",
                f"unknown function {func}(){hint}; functions are " + ", ".join(sorted(FUNCTIONS)),
            )
            return Type.UNKNOWN
        if func in SECONDARY_FUNCTIONS:
            self.rep.warn(
                node.pos,
                "secondary-function",
                f"{func}() is absent from the 2015-2021 docs and only "
                "reported working since 2022; confirm it with a live evaluation",
            )
        if func in AGGREGATES or func == "vec":
            return self.aggregate(node, arg_types)
        if func in ELEMENTWISE:
            if count == 0:
                return self.arity(node, "1 or more arguments")
            self.require_numeric(node, arg_types)
            return D if arg_types == [D] else V
        return self.fixed_signature(node, arg_types)

    def aggregate(self, node: Call, arg_types: list[Type]) -> Type:
        if not arg_types:
            self.rep.warn(node.pos, "empty-list", f"{node.func}() of an empty list is undocumented")
        self.require_numeric(node, arg_types)
        if node.func == "vec":
            self.rep.warn(
                node.pos,
                "legacy-function",
                "vec() is documented only in 2015; pass the doubleVec directly where possible",
            )
            return V
        return D

    def require_numeric(self, node: Call, arg_types: list[Type]) -> None:
        for arg, arg_type in zip(node.args, arg_types, strict=True):
            if arg_type not in (*_NUMERIC, Type.UNKNOWN):
                self.rep.error(
                    start_of(arg),
                    "type",
                    f"{node.func}() takes doubles and doubleVecs, not a {arg_type.value}",
                )

    def fixed_signature(self, node: Call, arg_types: list[Type]) -> Type:
        func = node.func
        if func in ("rand", "stop"):
            if arg_types:
                return self.arity(node, "no arguments")
            return D if func == "rand" else Type.NONE
        if func == "time":
            return self.time_call(node, arg_types)
        if len(arg_types) != 2:
            return self.arity(
                node,
                f"exactly 2 arguments ({func}(doubleVec v, double {'p' if func == 'percentile' else 'i'}))",
            )
        expected = (V, D)
        for arg, actual, wanted in zip(node.args, arg_types, expected, strict=True):
            if actual not in (wanted, Type.UNKNOWN):
                self.rep.error(
                    start_of(arg), "type", f"{func}() expects a {wanted.value} here, not a {actual.value}"
                )
        return D

    def time_call(self, node: Call, arg_types: list[Type]) -> Type:
        if len(arg_types) > 1:
            return self.arity(node, "0 or 1 argument")
        if arg_types:
            arg = node.args[0]
            if not isinstance(arg, Str):
                if arg_types[0] is not Type.UNKNOWN:
                    self.rep.error(
                        start_of(arg),
                        "type",
                        'time() takes a date string literal such as "2024-01-31T08:00:00Z"',
                    )
                return TS
            try:
                parse_time_string(arg.value)
            except TimeFormatError as err:
                self.rep.error(arg.pos, "value", str(err))
        return TS

    def arity(self, node: Call | Method, wanted: str) -> Type:
        name = node.func if isinstance(node, Call) else node.method
        self.rep.error(node.pos, "arity", f"{name}() takes {wanted}, got {len(node.args)}")
        return Type.UNKNOWN

    def method(self, node: Method) -> Type:
        target = node.target
        service = SERVICE_VARIABLES.get(target.name) if isinstance(target, Name) else None
        if service is not None and service.type in (Type.METRIC, D):
            if service.type is D:
                self.rep.warn(
                    node.pos,
                    "method-on-plain-variable",
                    f"{target.name} is used as a plain number "
                    "in every documented example; calling a method on it is unconfirmed",
                )
        else:
            target_type = self.expr(target)
            if target_type is not Type.UNKNOWN:
                self.rep.error(
                    node.pos,
                    "type",
                    f"{node.method}() is a method of sampled metric variables "
                    f"such as $ActiveTasks, not of a {target_type.value}",
                )
            return Type.UNKNOWN
        if node.method not in METHODS:
            self.rep.error(
                node.pos,
                "unknown-method",
                f"unknown method .{node.method}(); metric methods are " + ", ".join(METHODS),
            )
            return Type.UNKNOWN
        low, high = METHODS[node.method]
        if not low <= len(node.args) <= high:
            span = f"{low} to {high} arguments" if low != high else "no arguments"
            return self.arity(node, span)
        arg_types = [self.expr(arg) for arg in node.args]
        return self.method_arguments(node, arg_types)

    def method_arguments(self, node: Method, arg_types: list[Type]) -> Type:
        if node.method in ("GetSamplePeriod", "Count", "HistoryBeginTime"):
            return {"GetSamplePeriod": TI, "Count": D, "HistoryBeginTime": TS}[node.method]
        if node.method == "GetSamplePercent":
            wanted: tuple[tuple[Type, ...], ...] = (_TIME, _TIME)
        elif len(arg_types) == 1:
            wanted = ((D, *_TIME),)
        elif len(arg_types) == 2:
            wanted = (_TIME, _TIME if arg_types[1] in _TIME else (D,))
        else:
            wanted = (_TIME, _TIME, (D,))
        for arg, actual, allowed in zip(node.args, arg_types, wanted, strict=False):
            if actual not in (*allowed, Type.UNKNOWN):
                names = " or ".join(t.value for t in allowed)
                self.rep.error(
                    start_of(arg),
                    "type",
                    f"{node.method}() expects a {names} here, not a "
                    f"{actual.value} (a sample count, a look-back timeinterval or a timestamp, then "
                    "an optional end and sample percentage)",
                )
        return D if node.method == "GetSamplePercent" else V
