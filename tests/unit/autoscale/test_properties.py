"""Properties: pretty-print then parse gives the same AST; random double expressions evaluate like Python."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
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
