"""Lexer: splits a formula into tokens with 1-based line/column positions; bad characters are ERROR tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    NUMBER = "number"
    STRING = "string"
    NAME = "name"
    OP = "operator"
    EOF = "end of formula"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Pos:
    line: int
    column: int
    offset: int


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str
    pos: Pos
    message: str = ""  # ERROR tokens: what is wrong and how to fix it
    warning: str = ""  # accepted but undocumented spelling (".5", "1e3")

    def describe(self) -> str:
        return "end of formula" if self.kind is Kind.EOF else f"'{self.text}'"


_OPERATORS = (
    "<=",
    ">=",
    "==",
    "!=",
    "&&",
    "||",
    "=",
    "+",
    "-",
    "*",
    "/",
    "<",
    ">",
    "!",
    "?",
    ":",
    "(",
    ")",
    ",",
    ".",
    ";",
)
_NAME = re.compile(r"\$?[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?")

_BAD_CHARACTERS = {
    "{": "'{' is not a formula character: an unrendered template placeholder ({...} or {{...}})? "
    "Render the template before sending the formula",
    "}": "'}' is not a formula character: an unrendered template placeholder? Render the template first",
    "%": "'%' is not an operator: an unrendered %s/%d placeholder? Render the template first",
    "\\": "'\\' is not a formula character: strings have no escape sequences, "
    "write \"...\" without backslashes",
    "'": 'single quotes are not string delimiters: use double quotes "..."',
    "[": "'[' is not a formula character: there are no vector literals; "
    "vectors come from GetSample() or vec()",
    "]": "']' is not a formula character: there are no vector literals",
    "&": "'&' is not an operator: use && for a logical and",
    "|": "'|' is not an operator: use || for a logical or",
    # Editors on Windows prepend U+FEFF; the service receives it as part of the formula string.
    "\ufeff": "a byte order mark (U+FEFF) is not a formula character: save the file as UTF-8 without BOM",
}


def tokenize(text: str) -> list[Token]:
    """All tokens of `text`, ending with EOF; comments and whitespace are dropped."""
    return list(_Scanner(text).tokens())


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.line = 1
        self.line_start = 0

    def pos(self) -> Pos:
        return Pos(self.line, self.i - self.line_start + 1, self.i)

    def _newline(self, at: int) -> None:
        self.line += 1
        self.line_start = at

    def tokens(self):
        text = self.text
        while True:
            self._skip_blank()
            if self.i >= len(text):
                yield Token(Kind.EOF, "", self.pos())
                return
            yield self._next()

    def _skip_blank(self) -> None:
        text, n = self.text, len(self.text)
        while self.i < n:
            ch = text[self.i]
            if ch == "\r":
                crlf = text.startswith("\r\n", self.i)
                self.i += 2 if crlf else 1
                self._newline(self.i)
            elif ch == "\n":
                self.i += 1
                self._newline(self.i)
            elif ch in " \t":
                self.i += 1
            elif text.startswith("//", self.i):
                while self.i < n and text[self.i] not in "\r\n":
                    self.i += 1
            else:
                return

    def _next(self) -> Token:
        text, start = self.text, self.pos()
        ch = text[self.i]
        name = _NAME.match(text, self.i)
        if name:
            self.i = name.end()
            return Token(Kind.NAME, name.group(), start)
        number = _NUMBER.match(text, self.i)
        if number:
            self.i = number.end()
            return Token(Kind.NUMBER, number.group(), start, warning=_number_warning(number))
        if ch == '"':
            return self._string(start)
        if text.startswith("/*", self.i):
            self.i += 2
            return Token(Kind.ERROR, "/*", start, "'/*' block comments do not exist; use // line comments")
        for op in _OPERATORS:
            if text.startswith(op, self.i):
                self.i += len(op)
                return Token(Kind.OP, op, start)
        self.i += 1
        if ch == "$":
            message = "'$' must be followed by a variable name ([A-Za-z_][A-Za-z0-9_]*)"
            if text.startswith("{", self.i):  # ${name}: a shell or JavaScript template's placeholder
                message += "; '${...}' is an unrendered template placeholder? Render the template first"
            return Token(Kind.ERROR, ch, start, message)
        message = _BAD_CHARACTERS.get(ch, f"{ch!r} is not a formula character")
        return Token(Kind.ERROR, ch, start, message)

    def _string(self, start: Pos) -> Token:
        end = self.i + 1
        while end < len(self.text) and self.text[end] not in '"\r\n':
            end += 1
        if end >= len(self.text) or self.text[end] != '"':
            self.i += 1
            return Token(Kind.ERROR, '"', start, 'unterminated string: close it with " on the same line')
        literal = self.text[self.i : end + 1]
        self.i = end + 1
        return Token(Kind.STRING, literal, start)


def _number_warning(match: re.Match[str]) -> str:
    if match.group().startswith(".") or match.group(3):
        return (
            f"number {match.group()!r} uses a leading-dot or exponent form that no Microsoft example uses; "
            "write plain digits such as 0.5 or 1000"
        )
    return ""
