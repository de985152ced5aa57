"""Properties: pretty-print then parse gives the same AST; random double expressions evaluate like Python."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from batch_infra.autoscale import evaluate
from batch_infra.autoscale.nodes import (
    Assign,
    Binary,
    Call,
    Formula,
    Member,
    Method,
    Name,
    Num,
    Str,
    Ternary,
    Unary,
)
from batch_infra.autoscale.parser import parse, parse_expression
from batch_infra.autoscale.printer import format_expr, format_formula

BINARY_OPS = ["||", "&&", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/"]
numbers = st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False)
leaves = st.one_of(
    numbers.map(Num),
    st.sampled_from(
        ["$x", "y", "$ActiveTasks", "TimeInterval_Minute", "taskcompletion", "$TargetDedicatedNodes"]
    ).map(Name),
    st.text(st.characters(min_codepoint=32, max_codepoint=126, exclude_characters='"'), max_size=8).map(Str),
)


def _compound(children):
    return st.one_of(
        st.builds(Binary, st.sampled_from(BINARY_OPS), children, children),
        st.builds(Unary, st.sampled_from(["-", "!"]), children),
        st.builds(Ternary, children, children, children),
        st.builds(
            Call, st.sampled_from(["max", "avg", "time", "rand"]), st.lists(children, max_size=3).map(tuple)
        ),
        st.builds(
            Method,
            st.sampled_from(["$CPUPercent", "$PendingTasks"]).map(Name),
            st.sampled_from(["GetSample", "Count"]),
            st.lists(children, max_size=3).map(tuple),
        ),
        st.builds(Member, children, st.sampled_from(["hour", "weekday"])),
    )


expressions = st.recursive(leaves, _compound, max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(expressions)
def test_pretty_print_then_parse_is_identity(expr) -> None:
    assert parse_expression(format_expr(expr)) == expr


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["$a", "b", "$TargetDedicatedNodes"]), expressions), max_size=5))
def test_formula_round_trip(statements) -> None:
    formula = Formula(tuple(Assign(name, value) for name, value in statements))
    assert parse(format_formula(formula)) == formula


# -- evaluation against Python ---------------------------------------------------------------------------
small = st.integers(min_value=0, max_value=1000).map(float) | st.floats(0, 1000, allow_nan=False)


def _double_expr(children):
    def binary(op, left, right):
        return (f"({left[0]} {op} {right[0]})", f"({left[1]} {op} {right[1]})")

    def compare(op, left, right):
        return (f"({left[0]} {op} {right[0]})", f"float({left[1]} {op} {right[1]})")

    def logical(op, left, right):
        word = "and" if op == "&&" else "or"
        return (f"({left[0]} {op} {right[0]})", f"float(({left[1]} != 0) {word} ({right[1]} != 0))")

    return st.one_of(
        st.builds(binary, st.sampled_from(["+", "-", "*"]), children, children),
        st.builds(
            lambda left, d: (f"({left[0]} / {d!r})", f"({left[1]} / {d!r})"),
            children,
            st.floats(0.5, 100, allow_nan=False),
        ),
        st.builds(compare, st.sampled_from(["<", "<=", "==", "!=", ">", ">="]), children, children),
        st.builds(logical, st.sampled_from(["&&", "||"]), children, children),
        st.builds(lambda x: (f"-{x[0]}", f"(-{x[1]})"), children),
        st.builds(lambda x: (f"!{x[0]}", f"float({x[1]} == 0)"), children),
        st.builds(
            lambda c, a, b: (f"({c[0]} ? {a[0]} : {b[0]})", f"({a[1]} if {c[1]} != 0 else {b[1]})"),
            children,
            children,
            children,
        ),
        st.builds(
            lambda fn, xs: (f"{fn}({', '.join(x[0] for x in xs)})", f"{fn}({', '.join(x[1] for x in xs)})"),
            st.sampled_from(["max", "min"]),
            st.lists(children, min_size=2, max_size=4),
        ),
    )


double_exprs = st.recursive(small.map(lambda v: (repr(v), repr(v))), _double_expr, max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(double_exprs)
def test_random_double_expressions_evaluate_like_python(pair) -> None:
    formula_text, python_text = pair
    result = evaluate(f"$r = {formula_text};", at=datetime(2024, 1, 1, tzinfo=UTC))
    assert result.error is None
    expected = eval(python_text)  # noqa: S307 - generated arithmetic only
    actual = result.variables["$r"]
    assert actual == expected or (actual != actual and expected != expected)


# -- vectors, doubleVecList flattening and timeinterval arithmetic against a Python reference ---------------
whole = st.integers(min_value=0, max_value=50).map(float)
vec_leaves = st.lists(whole, min_size=1, max_size=4).map(
    lambda xs: (f"vec({', '.join(repr(x) for x in xs)})", list(xs))
)


def _aligned(op, a: list[float], b: list[float]) -> list[float]:
    """Unequal lengths align on the newest (last) samples, as the evaluator documents."""
    size = min(len(a), len(b))
    return [op(x, y) for x, y in zip(a[len(a) - size :], b[len(b) - size :], strict=True)]


_OPS = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y}


def _vector_expr(children):
    return st.one_of(
        st.builds(
            lambda op, v, d: (f"({v[0]} {op} {d[0]})", [_OPS[op](x, d[1]) for x in v[1]]),
            st.sampled_from(sorted(_OPS)),
            children,
            whole.map(lambda x: (repr(x), x)),
        ),
        st.builds(
            lambda op, a, b: (f"({a[0]} {op} {b[0]})", _aligned(_OPS[op], a[1], b[1])),
            st.sampled_from(sorted(_OPS)),
            children,
            children,
        ),
    )


vector_exprs = st.recursive(vec_leaves, _vector_expr, max_leaves=6)
double_vec_list = st.lists(st.one_of(vector_exprs, whole.map(lambda x: (repr(x), x))), min_size=1, max_size=4)


def _flatten(items) -> list[float]:
    out: list[float] = []
    for _, value in items:
        out.extend(value if isinstance(value, list) else [value])
    return out


_AGGREGATES = {"sum": sum, "len": len, "max": max, "min": min}


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(_AGGREGATES)), double_vec_list, vector_exprs)
def test_vectors_and_double_vec_lists_evaluate_like_python(func, items, vector) -> None:
    arguments = ", ".join(text for text, _ in items)
    result = evaluate(f"$r = {func}({arguments}); $v = {vector[0]};", at=datetime(2024, 1, 1, tzinfo=UTC))
    assert result.error is None
    assert result.variables["$r"] == float(_AGGREGATES[func](_flatten(items)))
    assert result.variables["$v"] == vector[1]


TICKS = {"TimeInterval_100ns": 1, "TimeInterval_Millisecond": 10_000, "TimeInterval_Second": 10**7}
TICKS |= {
    "TimeInterval_Minute": 60 * 10**7,
    "TimeInterval_Hour": 3600 * 10**7,
    "TimeInterval_Day": 86400 * 10**7,
}
interval_leaves = st.sampled_from(sorted(TICKS)).map(lambda name: (name, TICKS[name]))
factors = st.integers(min_value=0, max_value=40).map(lambda n: n / 4)  # quarters: exact in binary


_EXACT = 2**53  # beyond this the float product of the service (and ours) is no longer exact


def _exact(value: Fraction | int | None) -> int | None:
    """Ticks rounded half to even like .NET Math.Round; None (skipped) once out of the exact range."""
    if value is None:
        return None
    ticks = round(value)
    return ticks if abs(ticks) < _EXACT else None


def _combine(op, a, b) -> int | None:
    return None if a is None or b is None else _exact(op(a, b))


def _interval_expr(children):
    return st.one_of(
        st.builds(lambda a, b: (f"({a[0]} + {b[0]})", _combine(int.__add__, a[1], b[1])), children, children),
        st.builds(lambda a, b: (f"({a[0]} - {b[0]})", _combine(int.__sub__, a[1], b[1])), children, children),
        st.builds(
            lambda a, k: (f"({a[0]} * {k!r})", _combine(lambda t, f: t * Fraction(f), a[1], k)),
            children,
            factors,
        ),
        st.builds(
            lambda k, a: (f"({k!r} * {a[0]})", _combine(lambda t, f: t * Fraction(f), a[1], k)),
            factors,
            children,
        ),
        st.builds(lambda a: (f"(-{a[0]})", None if a[1] is None else -a[1]), children),
    )


interval_exprs = st.recursive(interval_leaves, _interval_expr, max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(interval_exprs, interval_exprs)
def test_timeinterval_arithmetic_is_exact_like_python_ticks(left, right) -> None:
    assume(left[1] is not None and right[1] is not None)
    formula = f"$r = {left[0]}; $c = {left[0]} < {right[0]}; $t = time() + {left[0]};"
    at = datetime(2024, 1, 1, tzinfo=UTC)
    result = evaluate(formula, at=at)
    assert result.error is None
    assert result.variables["$r"].ticks == left[1]
    assert result.variables["$c"] == float(left[1] < right[1])
    assert result.variables["$t"] == at + timedelta(microseconds=round(Fraction(left[1], 10)))
