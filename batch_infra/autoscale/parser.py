"""Recursive-descent parser: tokens to a Formula AST, with the precedence of SPEC.md section 3."""

from __future__ import annotations

from batch_infra.autoscale.diagnostics import FormulaSyntaxError
from batch_infra.autoscale.language import FOREIGN_KEYWORDS
from batch_infra.autoscale.lexer import Kind, Token, tokenize
from batch_infra.autoscale.nodes import (
    Assign,
    Binary,
    Call,
    Expr,
    ExprStatement,
    Formula,
    Member,
    Method,
    Name,
    Num,
    Statement,
    Str,
    Ternary,
    Unary,
)

# Binary levels, loosest first; every level is left-associative.
_LEVELS: tuple[frozenset[str], ...] = (
    frozenset({"||"}),
    frozenset({"&&"}),
    frozenset({"==", "!="}),
    frozenset({"<", "<=", ">", ">="}),
    frozenset({"+", "-"}),
    frozenset({"*", "/"}),
)


def parse(text: str) -> Formula:
    """Parse a whole formula; raises FormulaSyntaxError at the first lexical or syntax error."""
    return Parser(tokenize(text)).formula()


def parse_expression(text: str) -> Expr:
    """Parse a single expression (used by tests and tools)."""
    parser = Parser(tokenize(text))
    expr = parser.expression()
    parser.expect_kind(Kind.EOF, "end of expression")
    return expr


class Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    # -- token helpers -------------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def at(self, *ops: str) -> bool:
        return self.tok.kind is Kind.OP and self.tok.text in ops

    def advance(self) -> Token:
        token = self.tok
        if token.kind is Kind.ERROR:
            raise FormulaSyntaxError(token.pos, "lexical", token.message)
        self.i += 1
        return token

    def expect(self, op: str, why: str = "") -> Token:
        if not self.at(op):
            self.fail(f"'{op}' expected{why}")
        return self.advance()

    def expect_kind(self, kind: Kind, what: str) -> Token:
        if self.tok.kind is not kind:
            self.fail(f"{what} expected")
        return self.advance()

    def fail(self, expected: str) -> None:
        token = self.tok
        if token.kind is Kind.ERROR:
            raise FormulaSyntaxError(token.pos, "lexical", token.message)
        if token.kind is Kind.NAME and token.text in FOREIGN_KEYWORDS:
            raise FormulaSyntaxError(token.pos, "syntax", FOREIGN_KEYWORDS[token.text])
        if token.kind is Kind.OP and token.text == "=":
            raise FormulaSyntaxError(
                token.pos,
                "syntax",
                f"{expected}, found '=': assignment is a statement, not an expression (use '==' to compare)",
            )
        raise FormulaSyntaxError(token.pos, "syntax", f"{expected}, found {token.describe()}")

    # -- statements ----------------------------------------------------------------------------------
    def formula(self) -> Formula:
        statements: list[Statement] = []
        empties = []
        expecting_statement = True
        while self.tok.kind is not Kind.EOF:
            if self.at(";"):
                if expecting_statement:
                    empties.append(self.tok.pos)
                self.advance()
                expecting_statement = True
                continue
            if not expecting_statement:
                self.fail("';' expected between statements (a line break does not end a statement)")
            statements.append(self.statement())
            expecting_statement = False
        return Formula(tuple(statements), tuple(empties))

    def statement(self) -> Statement:
        token = self.tok
        nxt = self.peek()
        if token.kind is Kind.NAME and nxt.kind is Kind.OP and nxt.text == "=":
            self.i += 2
            return Assign(token.text, self.expression(), token.pos)
        if token.kind is Kind.OP and token.text not in ("(", "-", "!"):
            raise FormulaSyntaxError(
                token.pos, "syntax", f"a statement must start with a variable name, found {token.describe()}"
            )
        return ExprStatement(self.expression(), token.pos)

    # -- expressions ---------------------------------------------------------------------------------
    def expression(self) -> Expr:
        cond = self.binary(0)
        if not self.at("?"):
            return cond
        question = self.advance()
        then = self.expression()
        self.expect(":", ": a ternary needs both branches, condition ? a : b")
        return Ternary(cond, then, self.expression(), question.pos)

    def binary(self, level: int) -> Expr:
        if level == len(_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.tok.kind is Kind.OP and self.tok.text in _LEVELS[level]:
            op = self.advance()
            left = Binary(op.text, left, self.binary(level + 1), op.pos)
        return left

    def unary(self) -> Expr:
        if self.at("-", "!"):
            op = self.advance()
            return Unary(op.text, self.unary(), op.pos)
        return self.postfix()

    def postfix(self) -> Expr:
        expr = self.primary()
        while self.at("."):
            self.advance()
            name = self.expect_kind(Kind.NAME, "a method or member name after '.'")
            if self.at("("):
                expr = Method(expr, name.text, self.arguments(), name.pos)
            else:
                expr = Member(expr, name.text, name.pos)
        return expr

    def primary(self) -> Expr:
        token = self.tok
        if token.kind is Kind.NUMBER:
            self.advance()
            return Num(float(token.text), token.pos)
        if token.kind is Kind.STRING:
            self.advance()
            return Str(token.text[1:-1], token.pos)
        if token.kind is Kind.NAME:
            return self.name_or_call()
        if self.at("("):
            self.advance()
            inner = self.expression()
            self.expect(")")
            return inner
        self.fail_operand()
        raise AssertionError("unreachable")

    def name_or_call(self) -> Expr:
        token = self.advance()
        if not self.at("("):
            if token.text in FOREIGN_KEYWORDS and token.text in ("not",):
                raise FormulaSyntaxError(token.pos, "syntax", FOREIGN_KEYWORDS[token.text])
            return Name(token.text, token.pos)
        if token.text in FOREIGN_KEYWORDS:
            raise FormulaSyntaxError(token.pos, "syntax", FOREIGN_KEYWORDS[token.text])
        if token.text.startswith("$"):
            raise FormulaSyntaxError(token.pos, "syntax", f"{token.text} is a variable and cannot be called")
        return Call(token.text, self.arguments(), token.pos)

    def arguments(self) -> tuple[Expr, ...]:
        self.expect("(")
        args: list[Expr] = []
        if self.at(")"):
            self.advance()
            return ()
        while True:
            args.append(self.expression())
            if self.at(")"):
                self.advance()
                return tuple(args)
            if not self.at(","):
                self.fail("')' or ',' expected in the argument list")
            self.advance()

    def fail_operand(self) -> None:
        previous = self.tokens[self.i - 1] if self.i else None
        token = self.tok
        if previous is not None and previous.kind is Kind.OP:
            adjacent = previous.pos.offset + len(previous.text) == token.pos.offset
            if token.kind is Kind.OP and token.text == "=" and adjacent and previous.text in "+-*/":
                raise FormulaSyntaxError(
                    previous.pos,
                    "syntax",
                    f"there are no compound assignment operators ('{previous.text}='); "
                    f"write $x = $x {previous.text} value",
                )
            if previous.text == "," and self.at(")"):
                raise FormulaSyntaxError(token.pos, "syntax", "trailing ',' in the argument list: remove it")
            self.fail(f"an operand expected after '{previous.text}'")
        self.fail("an operand (number, name, call or '(') expected")
