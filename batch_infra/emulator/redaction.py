"""Azure never returns an `x-ms-secret` property: find them in a spec once, strip them from response bodies.

Azure accepts secrets (user passwords, SSH private keys, extension protectedSettings, registry passwords,
mount keys) on PUT/PATCH, keeps them, and leaves them out of every answer. The emulator stores them too
and removes them only when it serialises a response, driven by the spec's own flags, so a property the
spec marks secret tomorrow is redacted without a code change.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from batch_infra.emulator import specs

ITEMS = "[]"  # path step into every element of an array
VALUES = "{}"  # path step into every value of a map (additionalProperties)
_LOCAL_REF = "#/definitions/"


class _Secret:
    """The trie leaf: the property at this step is a secret."""

    def __repr__(self) -> str:
        return "SECRET"


SECRET = _Secret()
Trie = dict[str, Any]  # step -> Trie | SECRET


class Redactor:
    """The secret properties of every definition of one spec, walked once; strips them from bodies."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self._definitions: Mapping[str, Any] = spec.get("definitions") or {}
        self._tries: dict[str, Trie] = {}
        for name in self._definitions:
            self._definition(name, ())

    def paths(self, definition: str) -> list[str]:
        """Secret properties of `definition` as wire paths, e.g. properties.userAccounts[].password."""
        return sorted(_flatten(self._trie(definition), ""))

    def strip(self, body: Any, definition: str) -> Any:
        """A copy of `body` (a `definition` on the wire) without its secrets; `body` itself is untouched."""
        trie = self._trie(definition)
        return _strip(body, trie) if trie else body

    def _trie(self, definition: str) -> Trie:
        if definition not in self._tries:
            raise KeyError(f"the spec has no definition {definition!r}; use one of its 'definitions' keys")
        return self._tries[definition]

    def _definition(self, name: str, stack: tuple[str, ...]) -> Trie:
        if name in self._tries:
            return self._tries[name]
        if name in stack:
            return {}  # a recursive type: its secrets are found where the walk of `name` itself started
        trie = self._schema(self._definitions[name], (*stack, name))
        if not stack or not _cut_cycle(self._definitions, name):
            self._tries[name] = trie
        return trie

    def _schema(self, schema: Mapping[str, Any], stack: tuple[str, ...]) -> Trie:
        trie: Trie = {}
        ref = schema.get("$ref")
        if isinstance(ref, str):
            # Refs into other files (common-types' Resource envelopes) carry no secrets.
            return self._definition(ref[len(_LOCAL_REF) :], stack) if ref.startswith(_LOCAL_REF) else {}
        for part in schema.get("allOf") or []:
            _merge(trie, self._schema(part, stack))
        for prop, sub in (schema.get("properties") or {}).items():
            _add(trie, prop, SECRET if sub.get("x-ms-secret") else self._schema(sub, stack))
        if isinstance(schema.get("items"), Mapping):
            _add(trie, ITEMS, self._schema(schema["items"], stack))
        if isinstance(schema.get("additionalProperties"), Mapping):
            extra = schema["additionalProperties"]
            _add(trie, VALUES, SECRET if extra.get("x-ms-secret") else self._schema(extra, stack))
        return trie


@cache
def for_spec(name: str) -> Redactor:
    """The Redactor of a vendored spec (`specs.BATCH_MGMT`, `specs.BATCH_DATA`), built once per process."""
    return Redactor(specs.load(name))


def _cut_cycle(definitions: Mapping[str, Any], name: str) -> bool:
    """Whether `name` reaches itself: its trie, found mid-walk of another type, may then be partial."""
    seen: set[str] = set()
    todo = list(_local_refs(definitions[name]))
    while todo:
        ref = todo.pop()
        if ref == name:
            return True
        if ref not in seen and ref in definitions:
            seen.add(ref)
            todo.extend(_local_refs(definitions[ref]))
    return False


def _local_refs(schema: Any) -> list[str]:
    if isinstance(schema, Mapping):
        ref = schema.get("$ref")
        own = [ref[len(_LOCAL_REF) :]] if isinstance(ref, str) and ref.startswith(_LOCAL_REF) else []
        return own + [r for value in schema.values() for r in _local_refs(value)]
    if isinstance(schema, list):
        return [r for value in schema for r in _local_refs(value)]
    return []


def _add(trie: Trie, step: str, child: Trie | _Secret) -> None:
    if child is SECRET:
        trie[step] = SECRET
    elif child and trie.get(step) is not SECRET:
        _merge(trie.setdefault(step, {}), child)  # type: ignore[arg-type]


def _merge(into: Trie, other: Trie) -> None:
    for step, child in other.items():
        _add(into, step, child)


def _flatten(trie: Trie, prefix: str) -> list[str]:
    found = []
    for step, child in trie.items():
        path = f"{prefix}{step}" if step in (ITEMS, VALUES) else f"{prefix}.{step}".lstrip(".")
        found.extend([path] if child is SECRET else _flatten(child, path))
    return found


def _strip(value: Any, trie: Trie) -> Any:
    if isinstance(value, list):
        return [_strip(item, trie[ITEMS]) for item in value] if ITEMS in trie else value
    if not isinstance(value, dict):
        return value
    out = dict(value)
    for step, child in trie.items():
        keys = list(out) if step == VALUES else [step] if step in out else []
        for key in keys:
            if child is SECRET:
                del out[key]
            elif step != ITEMS:
                out[key] = _strip(out[key], child)
    return out
