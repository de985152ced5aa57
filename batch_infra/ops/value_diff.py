"""Old -> new per changed leaf (`tags.owner: "a" -> "b"`), never whole dict reprs; secret values masked."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ABSENT: Any = type("Absent", (), {"__repr__": lambda _self: "(absent)"})()
SECRET_WORDS = ("password", "secret")  # keys whose values are never printed, only that they changed
MASK = "(secret)"
LIST_KEYS = ("name", "id")  # items of a list of objects are matched by the first key they all carry


@dataclass(frozen=True)
class ValueChange:
    """One changed leaf: its dotted path (list items as [i] or [name=x]), the old and the new value."""

    path: str
    old: Any = ABSENT
    new: Any = ABSENT

    @property
    def symbol(self) -> str:
        """Pulumi's: + added, - removed, ~ changed."""
        return "+" if self.old is ABSENT else "-" if self.new is ABSENT else "~"

    def render(self) -> str:
        """`~ path: old -> new`, `+ path: new`, `- path: old` (values as JSON)."""
        if self.symbol == "+":
            return f"+ {self.path}: {show(self.new)}"
        if self.symbol == "-":
            return f"- {self.path}: {show(self.old)}"
        return f"~ {self.path}: {show(self.old)} -> {show(self.new)}"

    def brief(self) -> str:
        """`path old -> new` for one-line details (plain values, `(absent)` for a missing side)."""
        return f"{self.path} {_plain(self.old)} -> {_plain(self.new)}"

    def to_dict(self) -> dict[str, Any]:
        """`path`, `old` and `new`; a side that does not exist is left out (not null: null is a value)."""
        sides = {"old": self.old, "new": self.new}
        return {"path": self.path, **{k: v for k, v in sides.items() if v is not ABSENT}}


def changes(old: Any, new: Any, path: str) -> list[ValueChange]:
    """Pure: every leaf that differs between `old` and `new`, under `path`."""
    if _secret(path):
        return [] if old == new else [_masked(path, old, new)]
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        found = []
        for key in [*old, *(k for k in new if k not in old)]:
            found += changes(old.get(key, ABSENT), new.get(key, ABSENT), f"{path}.{key}" if path else key)
        return found
    if isinstance(old, list) and isinstance(new, list):
        return _list_changes(old, new, path)
    return [] if old == new else [ValueChange(path, old, new)]


def _list_changes(old: list[Any], new: list[Any], path: str) -> list[ValueChange]:
    key = _item_key(old, new)
    if key is not None:
        before = {item[key]: item for item in old}
        after = {item[key]: item for item in new}
        found = []
        for name in [*before, *(n for n in after if n not in before)]:
            found += changes(before.get(name, ABSENT), after.get(name, ABSENT), f"{path}[{key}={name}]")
        return found
    if len(old) == len(new) and any(isinstance(v, (Mapping, list)) for v in old + new):
        pairs = enumerate(zip(old, new, strict=True))
        return [c for i, (a, b) in pairs for c in changes(a, b, f"{path}[{i}]")]
    return [] if old == new else [ValueChange(path, old, new)]


def _item_key(old: list[Any], new: list[Any]) -> str | None:
    items = old + new
    if not items or not all(isinstance(i, Mapping) for i in items):
        return None
    for key in LIST_KEYS:
        values = [i.get(key) for i in items]
        if all(isinstance(v, str) for v in values) and all(
            len({i[key] for i in side}) == len(side) for side in (old, new)
        ):
            return key
    return None


def _secret(path: str) -> bool:
    leaf = path.rsplit(".", 1)[-1].lower()
    return any(word in leaf for word in SECRET_WORDS)


def _masked(path: str, old: Any, new: Any) -> ValueChange:
    return ValueChange(path, MASK if old is not ABSENT else ABSENT, MASK if new is not ABSENT else ABSENT)


def show(value: Any) -> str:
    """A value as JSON (strings quoted, so `""` and `"1"` read as what they are)."""
    if value is ABSENT:
        return "(absent)"
    if value == MASK:
        return MASK
    return json.dumps(value, default=str, sort_keys=True)


def _plain(value: Any) -> str:
    if value is ABSENT:
        return "(absent)"
    return value if isinstance(value, str) else show(value)
