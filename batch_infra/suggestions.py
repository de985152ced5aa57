""" "Did you mean" for a mistyped name (a command, a stack, an application, a metric column)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` did you mean 'x'?` for the closest choices (up to three), or "" when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return " did you mean " + " or ".join(repr(c) for c in close) + "?"
