"""Operator and function typing tables of SPEC.md sections 4 and 6, as data the checker consults."""

from __future__ import annotations

from batch_infra.autoscale.language import Type

D, V, S, TS, TI = Type.DOUBLE, Type.VEC, Type.STRING, Type.TIMESTAMP, Type.INTERVAL

# (left, op, right) -> result, for + - * /
ARITHMETIC: dict[tuple[Type, str, Type], Type] = {
    **{(D, op, D): D for op in "+-*/"},
    (D, "*", TI): TI,
    **{(V, op, D): V for op in "+-*/"},
    **{(V, op, V): V for op in "+-*/"},
    (TI, "*", D): TI,
    (TI, "/", D): TI,
    (TI, "+", TI): TI,
    (TI, "-", TI): TI,
    (TI, "+", TS): TS,
    (TS, "+", TI): TS,
    (TS, "-", TS): TI,
}

# Natural but undocumented combinations: accepted with a warning (SPEC.md section 4, "Gaps").
ARITHMETIC_GAPS: dict[tuple[Type, str, Type], tuple[Type, str]] = {
    **{
        (D, op, V): (
            V,
            "double {op} doubleVec is undocumented (only doubleVec {op} double is); "
            "write the vector on the left",
        )
        for op in "+-*/"
    },
    (TS, "-", TI): (
        TS,
        "timestamp - timeinterval is undocumented; the documented spelling is time() + (-1 * interval)",
    ),
}

COMPARABLE = frozenset({D, S, TS, TI})
COMPARISONS = frozenset({"<", "<=", "==", ">=", ">", "!="})
LOGICAL = frozenset({"&&", "||"})

ARITHMETIC_HINTS = {
    (S, S): "strings support comparison only, no arithmetic",
    (
        TI,
        TI,
    ): "timeinterval / timeinterval is undefined: divide an interval by a double, or compare intervals",
    (TS, TS): "timestamp + timestamp is undefined; timestamp - timestamp gives a timeinterval",
}


def arithmetic_hint(left: Type, right: Type) -> str:
    return ARITHMETIC_HINTS.get((left, right), "see the operator table in the autoscale docs")
