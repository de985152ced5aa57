"""AST of a formula; positions are excluded from equality so a re-parsed pretty-print compares equal."""

from __future__ import annotations

from dataclasses import dataclass, field

from batch_infra.autoscale.lexer import Pos

_NOPOS = Pos(0, 0, 0)


def _pos() -> Pos:
    return field(default=_NOPOS, compare=False, repr=False)


@dataclass(frozen=True)
class Num:
    value: float
    pos: Pos = _pos()


@dataclass(frozen=True)
class Str:
    value: str  # without the quotes
    pos: Pos = _pos()


@dataclass(frozen=True)
class Name:
    name: str  # as written, including a leading '$'
    pos: Pos = _pos()


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Expr, ...]
    pos: Pos = _pos()  # of the function name


@dataclass(frozen=True)
class Method:
    target: Expr
    method: str
    args: tuple[Expr, ...]
    pos: Pos = _pos()  # of the method name


@dataclass(frozen=True)
class Member:
    obj: Expr
    member: str
    pos: Pos = _pos()  # of the member name


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Expr
    pos: Pos = _pos()


@dataclass(frozen=True)
class Binary:
    op: str
    left: Expr
    right: Expr
    pos: Pos = _pos()  # of the operator


@dataclass(frozen=True)
class Ternary:
    cond: Expr
    then: Expr
    other: Expr
    pos: Pos = _pos()  # of the '?'


Expr = Num | Str | Name | Call | Method | Member | Unary | Binary | Ternary


@dataclass(frozen=True)
class Assign:
    target: str
    value: Expr
    pos: Pos = _pos()  # of the target name


@dataclass(frozen=True)
class ExprStatement:
    expr: Expr
    pos: Pos = _pos()


Statement = Assign | ExprStatement


@dataclass(frozen=True)
class Formula:
    statements: tuple[Statement, ...]
    empty_statements: tuple[Pos, ...] = field(default=(), compare=False, repr=False)  # of each extra ';'


def start_of(expr: Expr) -> Pos:
    """Position of the first character of an expression (its leftmost token)."""
    while True:
        if isinstance(expr, Binary):
            expr = expr.left
        elif isinstance(expr, Ternary):
            expr = expr.cond
        elif isinstance(expr, (Method, Member)):
            expr = expr.target if isinstance(expr, Method) else expr.obj
        else:
            return expr.pos


def walk(expr: Expr):
    """Every sub-expression of `expr`, parents before children."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        match node:
            case Call(args=args):
                stack.extend(reversed(args))
            case Method(target=target, args=args):
                stack.extend(reversed((target, *args)))
            case Member(obj=obj):
                stack.append(obj)
            case Unary(operand=operand):
                stack.append(operand)
            case Binary(left=left, right=right):
                stack.extend((right, left))
            case Ternary(cond=cond, then=then, other=other):
                stack.extend((other, then, cond))
