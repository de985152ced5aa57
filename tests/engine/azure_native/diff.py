"""Diff as azure-native computes it (provider/pkg/provider/diff.go, provider.go Diff): old inputs vs new.

- azure-native v3 diffs inputs against inputs (not against Azure's outputs);
- a changed path parameter or force-new property replaces; a top-level `location` differing only in case
  or spaces is no change (applyAzureSpecificDiff);
- a property newly set to the value the old outputs already hold is not a replacement (the ADD_REPLACE
  special case of calculateChangesAndReplacements);
- deleteBeforeReplace whenever something is replaced (names are fixed, so create-first would collide).
"""

from __future__ import annotations

from typing import Any

from tests.engine.azure_native.shapes import ResourceSpec
from tests.engine.resource_provider import DiffResult
from tests.engine.values import contains_unknowns


def diff(
    spec: ResourceSpec, old_inputs: dict[str, Any], news: dict[str, Any], old_outputs: dict[str, Any]
) -> DiffResult:
    changed: list[str] = []
    replaces: list[str] = []
    for key in sorted(set(old_inputs) | set(news)):
        old, new = old_inputs.get(key), news.get(key)
        if not _differs(key, old, new):
            continue
        changed.append(key)
        if _replaces(spec, key, old, new, old_outputs):
            replaces.append(key)
    return DiffResult(
        changes=bool(changed), replaces=replaces, delete_before_replace=bool(replaces), diffs=changed
    )


def _differs(key: str, old: Any, new: Any) -> bool:
    if contains_unknowns(new):
        return True
    if key == "location" and isinstance(old, str) and isinstance(new, str):
        return _location(old) != _location(new)
    return old != new


def _replaces(spec: ResourceSpec, key: str, old: Any, new: Any, old_outputs: dict[str, Any]) -> bool:
    if key in spec.replace_keys:
        if old is None and new is not None and old_outputs.get(key) == new:
            return False  # newly declared with the value Azure already holds: not a replacement
        return True
    # Nested force-new properties ("sku.name"): replace only when that nested value changes.
    for rule in spec.force_new:
        head, _, rest = rule.partition(".")
        if head == key and rest and _nested(old, rest) != _nested(new, rest):
            return True
    return False


def _nested(value: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _location(value: str) -> str:
    return value.replace(" ", "").lower()
