"""Pretty-printer: an AST back to formula text, parenthesised only where precedence requires it."""

from __future__ import annotations

from decimal import Decimal

from batch_infra.autoscale.nodes import (
    Assign,
    Binary,
    Call,
    Expr,
    Formula,
    Member,
    Method,
    Name,
    Num,
    Str,
    Ternary,
    Unary,
)

# Binding strength: higher binds tighter (SPEC.md section 3).
_PRECEDENCE = {
    "||": 1,
    "&&": 2,
    "==": 3,
    "!=": 3,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
}
_TERNARY, _UNARY, _POSTFIX = 0, 7, 8


def format_formula(formula: Formula) -> str:
    lines = []
    for statement in formula.statements:
        if isinstance(statement, Assign):
            lines.append(f"{statement.target} = {format_expr(statement.value)};")
        else:
            lines.append(f"{format_expr(statement.expr)};")
    return "\n".join(lines)


def format_number(value: float) -> str:
    """Plain decimal digits (the only documented literal form), exact for every finite double."""
    text = format(Decimal(repr(value)), "f")
    return text[:-2] if text.endswith(".0") else text


def format_expr(expr: Expr, context: int = _TERNARY) -> str:
    text, strength = _render(expr)
    return f"({text})" if strength < context else text


def _render(expr: Expr) -> tuple[str, int]:
    match expr:
        case Num(value=value):
            return format_number(value), _POSTFIX
        case Str(value=value):
            return f'"{value}"', _POSTFIX
        case Name(name=name):
            return name, _POSTFIX
        case Call(func=func, args=args):
            return f"{func}({', '.join(format_expr(a) for a in args)})", _POSTFIX
        case Method(target=target, method=method, args=args):
            return (
                f"{format_expr(target, _POSTFIX)}.{method}({', '.join(format_expr(a) for a in args)})",
                _POSTFIX,
            )
        case Member(obj=obj, member=member):
            return f"{format_expr(obj, _POSTFIX)}.{member}", _POSTFIX
        case Unary(op=op, operand=operand):
            return f"{op}{format_expr(operand, _UNARY)}", _UNARY
        case Binary(op=op, left=left, right=right):
            level = _PRECEDENCE[op]
            # left-associative: the right operand needs parentheses at the same level
            return f"{format_expr(left, level)} {op} {format_expr(right, level + 1)}", level
        case Ternary(cond=cond, then=then, other=other):
            return f"{format_expr(cond, 1)} ? {format_expr(then)} : {format_expr(other)}", _TERNARY
    raise TypeError(f"not an expression node: {expr!r}")
