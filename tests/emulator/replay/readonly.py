"""A response body turned back into a request body: drop what the spec marks readOnly."""

from __future__ import annotations

from typing import Any

from tests.emulator import spec_schema


def strip_read_only(body: Any, spec: str, definition: str) -> Any:
    schema, base = spec_schema._resolve(f"{spec_schema._uri(spec)}#/definitions/{definition}")
    return _strip(body, schema, base)


def _strip(value: Any, schema: dict[str, Any], base: str) -> Any:
    schema, base = spec_schema._deref(schema, base)
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_strip(item, schema["items"], base) for item in value]
    if not isinstance(value, dict):
        return value
    props, _ = spec_schema._flatten(schema, base)
    kept: dict[str, Any] = {}
    for name, item in value.items():
        if name not in props:
            kept[name] = item
            continue
        sub, sub_base = props[name]
        resolved, _ = spec_schema._deref(sub, sub_base)
        if not (sub.get("readOnly") or resolved.get("readOnly")):
            kept[name] = _strip(item, sub, sub_base)
    return kept
