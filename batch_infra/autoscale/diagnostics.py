"""Diagnostics (errors and warnings with 1-based positions) and the result of checking a formula."""

from __future__ import annotations

from dataclasses import dataclass, field

from batch_infra.autoscale.lexer import Pos


@dataclass(frozen=True)
class Diagnostic:
    line: int
    column: int
    message: str
    code: str

    def __str__(self) -> str:
        return f"line {self.line}, col {self.column}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {"line": self.line, "column": self.column, "code": self.code, "message": self.message}


@dataclass
class CheckResult:
    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "errors": [d.to_dict() for d in self.errors],
            "warnings": [d.to_dict() for d in self.warnings],
        }


class Reporter:
    """Collects diagnostics; results are sorted by position so the first error is the earliest one."""

    def __init__(self) -> None:
        self.result = CheckResult()

    def error(self, pos: Pos, code: str, message: str) -> None:
        self.result.errors.append(Diagnostic(pos.line, pos.column, message, code))

    def warn(self, pos: Pos, code: str, message: str) -> None:
        diagnostic = Diagnostic(pos.line, pos.column, message, code)
        if diagnostic not in self.result.warnings:
            self.result.warnings.append(diagnostic)

    def finish(self) -> CheckResult:
        self.result.errors.sort(key=lambda d: (d.line, d.column))
        self.result.warnings.sort(key=lambda d: (d.line, d.column))
        return self.result


class FormulaSyntaxError(Exception):
    """A lexical or syntax error; the parser stops at the first one."""

    def __init__(self, pos: Pos, code: str, message: str) -> None:
        super().__init__(f"line {pos.line}, col {pos.column}: {message}")
        self.pos = pos
        self.code = code
        self.message = message
