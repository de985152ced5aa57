"""check(): limits, lexing, parsing, typing and lints of one formula, returned as a CheckResult."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from batch_infra.autoscale.checker import TypeChecker
from batch_infra.autoscale.diagnostics import CheckResult, Diagnostic, FormulaSyntaxError, Reporter
from batch_infra.autoscale.language import MAX_FORMULA_CHARS, MAX_STATEMENTS
from batch_infra.autoscale.lexer import Kind, Pos, Token, tokenize
from batch_infra.autoscale.lints import cap_lints, run_lints
from batch_infra.autoscale.nodes import Formula
from batch_infra.autoscale.parser import Parser


@dataclass(frozen=True)
class Analysis:
    """What checking a formula's text finds; the same text always gives the same analysis."""

    errors: tuple[Diagnostic, ...]
    warnings: tuple[Diagnostic, ...]
    tree: Formula | None  # None when the formula does not parse or has no statements: no lints ran
    bounds: dict[str, float]  # the targets' upper bounds, for the pool-dependent cap lint


def check(formula: str, *, max_dedicated: int | None = None, max_spot: int | None = None) -> CheckResult:
    """Validate a formula offline; `max_dedicated`/`max_spot` enable the uncapped-target warning."""
    analysis = analyse(formula)
    rep = Reporter()
    rep.result.errors.extend(analysis.errors)
    rep.result.warnings.extend(analysis.warnings)
    if analysis.tree is not None:
        cap_lints(analysis.tree, rep, analysis.bounds, max_dedicated, max_spot)
    return rep.finish()


@lru_cache(maxsize=1024)
def analyse(formula: str) -> Analysis:
    """Limits, lexing, parsing, typing and lints of one formula text, once per text: a preflight meets
    each pool's formula in the stack's validation, the pool provider's inputs and the autoscale table."""
    rep = Reporter()
    _length(formula, rep)
    tokens = tokenize(formula)
    try:
        tree = Parser(tokens).formula()
    except FormulaSyntaxError as err:
        rep.error(err.pos, err.code, err.message)
        return _analysis(rep, None, {})
    _token_warnings(tokens, rep)
    if not tree.statements:
        rep.error(
            Pos(1, 1, 0),
            "empty",
            "the formula has no statements; autoScaleSettings.formula is required by the Batch API: "
            "write at least $TargetDedicatedNodes = 0;",
        )
        return _analysis(rep, None, {})
    _statements(tree, rep)
    TypeChecker(rep).run(tree)
    bounds = run_lints(tree, rep)
    return _analysis(rep, tree, bounds)


def _analysis(rep: Reporter, tree: Formula | None, bounds: dict[str, float]) -> Analysis:
    result = rep.finish()
    return Analysis(tuple(result.errors), tuple(result.warnings), tree, bounds)


def _length(formula: str, rep: Reporter) -> None:
    if len(formula) > MAX_FORMULA_CHARS:
        rep.error(
            _position_of(formula, MAX_FORMULA_CHARS),
            "too-long",
            f"the formula is {len(formula)} characters; the service limit is {MAX_FORMULA_CHARS} "
            "(AutoScalingFormulaTooLong): shorten comments or simplify",
        )
    elif len(formula.encode()) > MAX_FORMULA_CHARS:
        rep.warn(
            Pos(1, 1, 0),
            "too-long-bytes",
            f"the formula is {len(formula.encode())} bytes in UTF-8; the documented limit is 8 KB",
        )


def _position_of(text: str, offset: int) -> Pos:
    head = text[:offset].replace("\r\n", "\n").replace("\r", "\n")
    line = head.count("\n") + 1
    return Pos(line, len(head) - (head.rfind("\n") + 1) + 1, offset)


def _token_warnings(tokens: list[Token], rep: Reporter) -> None:
    for token in tokens:
        if token.kind is Kind.NUMBER and token.warning:
            rep.warn(token.pos, "number-form", token.warning)


def _statements(tree: Formula, rep: Reporter) -> None:
    if len(tree.statements) > MAX_STATEMENTS:
        rep.error(
            tree.statements[MAX_STATEMENTS].pos,
            "too-many-statements",
            f"the formula has {len(tree.statements)} statements; the service allows {MAX_STATEMENTS}: "
            "combine statements or drop unused variables",
        )
    for pos in tree.empty_statements:
        rep.warn(
            pos, "empty-statement", "an empty statement (doubled ';') is undocumented; remove the extra ';'"
        )
