"""ignoreChanges as the engine applies it (processIgnoreChanges): each path keeps its old input value."""

from __future__ import annotations

import copy
import re
from typing import Any

_TOKEN = re.compile(r"\.?([^.\[\]]+)|\[(\d+|\*)\]|\[\"([^\"]+)\"\]")


def parse_path(path: str) -> list[str | int]:
    """resource.ParsePropertyPath (the subset Pulumi documents): a.b[0].c, ["key.with.dots"]."""
    tokens: list[str | int] = []
    pos = 0
    while pos < len(path):
        match = _TOKEN.match(path, pos)
        if not match:
            raise ValueError(f"invalid property path {path!r} at {path[pos:]!r} (use a.b[0].c)")
        name, index, quoted = match.groups()
        if index == "*":
            raise ValueError(f"property path {path!r}: wildcards are not supported by the test engine")
        tokens.append(int(index) if index is not None else (quoted or name))
        pos = match.end()
    return tokens


_MISSING = object()


def _get(container: Any, token: str | int) -> Any:
    if isinstance(token, int):
        return container[token] if isinstance(container, list) and token < len(container) else _MISSING
    return container.get(token, _MISSING) if isinstance(container, dict) else _MISSING


def _reset(old: Any, new: Any, tokens: list[str | int]) -> bool:
    """PropertyPath.Reset: new[path] = old[path] (gone when old has none); False if a parent is missing."""
    head, rest = tokens[0], tokens[1:]
    if rest:
        old_child, new_child = _get(old, head), _get(new, head)
        if old_child is _MISSING or new_child is _MISSING:
            return old_child is _MISSING and new_child is _MISSING
        return _reset(old_child, new_child, rest)
    old_value = _get(old, head)
    if isinstance(new, dict):
        if old_value is _MISSING:
            new.pop(head, None)
        else:
            new[head] = copy.deepcopy(old_value)
        return True
    if isinstance(new, list) and isinstance(head, int) and head < len(new) and old_value is not _MISSING:
        new[head] = copy.deepcopy(old_value)
        return True
    return False


def process_ignore_changes(
    inputs: dict[str, Any], old_inputs: dict[str, Any], ignore_changes: list[str]
) -> dict[str, Any]:
    result = copy.deepcopy(inputs)
    for path in ignore_changes:
        _reset(old_inputs, result, parse_path(path))
    return result
