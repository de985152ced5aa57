"""Replay results of this run, summarised per provider as `N/M examples pass`."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

_RESULTS: dict[str, Any] = {}


def record(result: Any) -> None:
    _RESULTS[result.row.example] = result


def summary(results: list[Any] | None = None) -> list[str]:
    """One line per provider, then each example that did not pass with its listed reason or first problem."""
    chosen = list(_RESULTS.values()) if results is None else results
    by_provider: dict[str, list[Any]] = defaultdict(list)
    for result in chosen:
        by_provider[result.row.provider].append(result)
    lines = []
    for provider, group in sorted(by_provider.items()):
        passed = sum(result.passed for result in group)
        lines.append(f"{provider}: {passed}/{len(group)} examples pass")
    for result in chosen:
        if not result.passed:
            why = f"exception: {result.row.exception}" if result.row.exception else "REGRESSION"
            lines.append(f"  {result.row.example}: {why}; {result.problems[0]}")
    return lines
