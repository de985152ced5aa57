"""Autoscale formulas for the emulated Batch service: the project's checker and evaluator, else syntax only.

`batch_infra.autoscale.check(formula)` (a CheckResult with `.errors`) and
`batch_infra.autoscale.evaluate(formula, at=...)` are used when that package exports them.
Until then a small fallback rejects only syntax errors (unbalanced brackets, statements that are
not `$Name = expression`) and evaluates only assignments of plain numbers, so what the emulator refuses is
always a formula Azure would refuse too.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from batch_infra.emulator.errors import AzureError

_ASSIGN = re.compile(r"^\s*\$?([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)\s*(.+?)\s*$", re.DOTALL)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
DEFAULT_INTERVAL = "PT15M"
# Batch's documented request-time codes for a bad formula (Batch error codes table; see ERRORS.md).
SYNTAX_ERROR = "AutoScalingFormulaSyntaxError"
INVALID_SETTINGS = "InvalidAutoScalingSettings"
TOO_LONG = "AutoScalingFormulaTooLong"
_MESSAGES = {
    SYNTAX_ERROR: "The specified auto-scaling formula has a syntax error.",
    INVALID_SETTINGS: "The specified auto-scaling settings are not valid.",
    TOO_LONG: "The specified auto-scaling formula exceeds lengths limit.",
}
_SYNTAX_DIAGNOSTICS = {"lexical", "syntax"}  # what batch_infra.autoscale's lexer and parser report
MAX_CATCH_UP = 96  # evaluations replayed after a long quiet spell; older ticks are skipped (1 day at PT15M)
_TARGETS = {
    "targetdedicatednodes": "dedicated",
    "targetdedicated": "dedicated",
    "targetlowprioritynodes": "lowPriority",
}


@dataclass(frozen=True)
class Evaluation:
    """What an autoscale run produced: the `results` string Azure returns and the node targets it set."""

    results: str
    dedicated: int | None
    low_priority: int | None
    error: dict[str, Any] | None = None  # {code, message, values: [{name, value}]} when the run failed


def _project(name: str) -> Any:
    try:
        module = importlib.import_module("batch_infra.autoscale")
    except ImportError:
        return None
    return getattr(module, name, None)


def check(formula: Any, target: str) -> None:
    """400 naming `target` if the formula is not valid, with the code Batch documents for the fault."""
    if not isinstance(formula, str) or not formula.strip():
        raise invalid(target, "the formula is empty", INVALID_SETTINGS)
    project_check = _project("check")
    if project_check is not None:
        result = project_check(formula)
        if result.errors:
            code = _error_code({d.code for d in result.errors})
            raise invalid(target, "; ".join(str(d) for d in result.errors), code)
        return
    problem = syntax_problem(formula)
    if problem:
        raise invalid(target, problem, SYNTAX_ERROR)


def evaluate(formula: str, target: str, now: datetime, pool: dict[str, Any] | None = None) -> Evaluation:
    """Run `formula` at `now`; `pool` (the pool's management properties) gives $CurrentDedicatedNodes etc."""
    check(formula, target)
    project_evaluate = _project("evaluate")
    if project_evaluate is not None:
        return _from_project(project_evaluate(formula, at=now, current=pool_state(pool)))
    values: dict[str, str] = {}
    for statement in _statements(formula):
        found = _ASSIGN.match(statement)
        if found and _NUMBER.match(found.group(2)):
            values[found.group(1)] = found.group(2)
    values.setdefault("NodeDeallocationOption", "requeue")
    return Evaluation(
        ";".join(f"${k}={v}" for k, v in values.items()),
        *(_target(values, kind) for kind in ("dedicated", "lowPriority")),
    )


def pool_state(props: dict[str, Any] | None) -> Any:
    """The project's PoolState for a pool's management properties (None: a pool with no nodes)."""
    state_type = _project("PoolState")
    if state_type is None or props is None:
        return None
    status = props.get("resizeOperationStatus") or {}
    return state_type(
        dedicated_nodes=props.get("currentDedicatedNodes", 0),
        low_priority_nodes=props.get("currentLowPriorityNodes", 0),
        target_dedicated_nodes=status.get("targetDedicatedNodes", 0),
        target_low_priority_nodes=status.get("targetLowPriorityNodes", 0),
        task_slots_per_node=props.get("taskSlotsPerNode", 1),
    )


def interval_seconds(interval: str | None) -> float:
    """Seconds of an ISO 8601 evaluationInterval such as PT5M (Azure's default PT15M when absent)."""
    found = _DURATION.match(interval or DEFAULT_INTERVAL)
    if not found or not any(found.groups()):
        raise AzureError(
            400,
            "InvalidPropertyValue",
            f"The evaluation interval '{interval}' is not an ISO 8601 duration such as PT5M.",
            target="evaluationInterval",
        )
    days, hours, minutes, seconds = (float(g or 0) for g in found.groups())
    return days * 86400 + hours * 3600 + minutes * 60 + seconds


def due_evaluations(last: datetime, interval: str | None, now: datetime) -> list[datetime]:
    """The evaluation times after `last` up to `now`, one per interval, as Batch runs them on its timer."""
    step = timedelta(seconds=interval_seconds(interval))
    missed = int((now - last) / step)
    first = max(1, missed - MAX_CATCH_UP + 1)
    return [last + step * k for k in range(first, missed + 1)]


def syntax_problem(formula: str) -> str | None:
    """A description of the first syntax error, or None: brackets, quotes and statement shape."""
    depth, quote = 0, None
    for char in formula:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
            if depth < 0:
                return "a closing bracket has no opening bracket"
    if quote:
        return "a string literal is not closed"
    if depth:
        return "a bracket is not closed"
    for statement in _statements(formula):
        found = _ASSIGN.match(statement)
        if not found or not found.group(2).strip():
            return f"'{statement.strip()[:60]}' is not an assignment of the form $Variable = expression"
    return None


def invalid(target: str, reason: str, code: str) -> AzureError:
    message = _MESSAGES[code]
    return AzureError(400, code, f"{message} {reason[0].upper()}{reason[1:].rstrip('.')}.", target=target)


def _error_code(diagnostic_codes: set[str]) -> str:
    """The checker's diagnostics -> Batch's code: length first, then parse faults, else invalid settings."""
    if "too-long" in diagnostic_codes:
        return TOO_LONG
    return SYNTAX_ERROR if diagnostic_codes & _SYNTAX_DIAGNOSTICS else INVALID_SETTINGS


def _statements(formula: str) -> list[str]:
    return [s for s in re.split(r";(?=(?:[^\"']|\"[^\"]*\"|'[^']*')*$)", formula) if s.strip()]


def _target(values: dict[str, str], kind: str) -> int | None:
    for name, value in values.items():
        if _TARGETS.get(name.lower()) == kind:
            return max(0, int(float(value)))
    return None


def _from_project(result: Any) -> Evaluation:
    """Adapt the project's EvaluationResult; a failed run keeps the pool's targets (None), as Azure does."""
    if result.error is not None:
        error = {
            "code": result.error.code,
            "message": result.error.message,
            "values": [dict(v) for v in result.error.values],
        }
        return Evaluation(result.result_string, None, None, error)
    return Evaluation(result.result_string, result.target_dedicated_nodes, result.target_low_priority_nodes)
