"""ARM reads JSON property names and enum values case-insensitively: request bodies are renamed to the spec's
own spelling before a service looks at them (`nodeAgentSKUId` -> `nodeAgentSkuId`, `inboundNATPools` ->
`inboundNatPools`, protocol `tcp` -> `TCP`), as Microsoft's PoolCreate_DualStackNetworking example shows
Batch answering a request written that way; so every answer keeps to the spec's enums."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from batch_infra.emulator import specs

_LOCAL_REF = "#/definitions/"
# (lower-cased name -> (name, schema), additionalProperties, items, lower-cased enum value -> value)
Shape = tuple[dict[str, tuple[str, Any]], Any, Any, dict[str, str]]


class Casing:
    """The property names and enums of one spec's definitions; renames bodies to them."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self._definitions: Mapping[str, Any] = spec.get("definitions") or {}
        self._shapes: dict[int, Shape] = {}

    def canonical(self, body: Any, definition: str, *, drop_unknown: bool = False) -> Any:
        """A copy of `body` (a `definition` on the wire) with every name and enum value the spec knows in
        its spelling; what the spec does not know is kept as sent (the service refuses it), or left out with
        `drop_unknown` (a view of one plane's resource in the other plane's shape)."""
        if definition not in self._definitions:
            raise KeyError(f"the spec has no definition {definition!r}")
        return self._walk(body, self._definitions[definition], drop_unknown)

    def _walk(self, value: Any, schema: Any, drop_unknown: bool = False) -> Any:
        props, extra, items, enum = self._shape(schema)
        if isinstance(value, dict):
            renamed: dict[str, Any] = {}
            for name, item in value.items():
                if drop_unknown and name.lower() not in props and extra is None:
                    continue
                canonical, sub = props.get(name.lower(), (name, extra))
                if canonical in value and canonical != name:
                    canonical = name  # both spellings sent: keep each, the service decides
                renamed[canonical] = self._walk(item, sub, drop_unknown) if sub is not None else item
            return renamed
        if isinstance(value, list) and items is not None:
            return [self._walk(item, items, drop_unknown) for item in value]
        if isinstance(value, str) and enum:
            return enum.get(value.lower(), value)
        return value

    def _shape(self, schema: Any) -> Shape:
        """(lower-cased name -> (name, schema), additionalProperties, items, lower-cased enum -> value)."""
        if not isinstance(schema, Mapping):
            return {}, None, None, {}
        key = id(schema)
        if key not in self._shapes:
            self._shapes[key] = ({}, None, None, {})  # a recursive type sees itself as empty while walked
            self._shapes[key] = self._build(schema)
        return self._shapes[key]

    def _build(self, schema: Mapping[str, Any]) -> Shape:
        schema = self._deref(schema)
        props = {name.lower(): (name, sub) for name, sub in (schema.get("properties") or {}).items()}
        for part in schema.get("allOf") or []:
            inherited, _, _, _ = self._shape(part)
            props = {**inherited, **props}
        extra = schema.get("additionalProperties")
        enum = {v.lower(): v for v in schema.get("enum") or [] if isinstance(v, str)}
        return props, extra if isinstance(extra, Mapping) else None, schema.get("items"), enum

    def _deref(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        seen = 0
        while isinstance(schema.get("$ref"), str) and schema["$ref"].startswith(_LOCAL_REF) and seen < 20:
            schema = self._definitions.get(schema["$ref"][len(_LOCAL_REF) :], {})
            seen += 1
        return schema


@cache
def for_spec(name: str) -> Casing:
    """The Casing of the spec file `name` (specs.BATCH_MGMT, specs.BATCH_DATA), built once per process."""
    return Casing(specs.load(name))
