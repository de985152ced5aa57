"""Check-time validation (provider.go validateType/validateProperty): types of what is known, and a refusal
of any input the type table cannot map (azure-native would drop it from the body without a word)."""

from __future__ import annotations

from typing import Any

from tests.engine.azure_native.convert import API_VERSION_INPUT
from tests.engine.azure_native.shapes import Field, ResourceSpec, Shape
from tests.engine.resource_provider import CheckFailure, ProviderError
from tests.engine.values import UNKNOWN

_PYTHON_TYPES = {"string": (str,), "boolean": (bool,), "integer": (int,), "number": (int, float)}
# provider.go validateProperty: an integer property takes any number without a fractional part.


def validate(spec: ResourceSpec, inputs: dict[str, Any]) -> list[CheckFailure]:
    body = {k: v for k, v in inputs.items() if k not in spec.path_params and k != API_VERSION_INPUT}
    failures = [
        CheckFailure(name, f"'{name}' should be of type 'string'")
        for name in spec.path_params
        if name in inputs and inputs[name] is not UNKNOWN and not isinstance(inputs[name], str)
    ]
    return failures + _object(spec.token, spec.body, body, "")


def _object(token: str, shape: Shape, value: dict[str, Any], where: str) -> list[CheckFailure]:
    fields = shape.inputs()
    failures: list[CheckFailure] = []
    for name, item in value.items():
        if item is None:
            continue
        f = fields.get(name)
        if f is None:
            raise ProviderError(
                f"{token}: input property '{where}{name}' has no mapping to the ARM body of {shape.name} "
                f"(known: {', '.join(sorted(fields))}); fix its name or add it to the type table"
            )
        failures += _value(token, f, item, f"{where}{name}")
    return failures


def _value(token: str, f: Field, value: Any, where: str) -> list[CheckFailure]:
    if value is UNKNOWN:
        return []
    if f.kind == "integer" and isinstance(value, float) and value.is_integer():
        return []  # the engine's values cross protobuf Structs, where every number is a double
    if f.kind in _PYTHON_TYPES:
        ok = isinstance(value, _PYTHON_TYPES[f.kind]) and (f.kind == "boolean" or not isinstance(value, bool))
        return [] if ok else [_wrong(where, f.kind, value)]
    if f.kind == "object" and f.of is not None:
        return (
            _object(token, f.of, value, where + ".")
            if isinstance(value, dict)
            else [_wrong(where, "object", value)]
        )
    if f.kind in ("array", "string_set"):
        if not isinstance(value, list):
            return [_wrong(where, "array", value)]
        item_field = (
            Field("", "object", f.of)
            if f.of is not None
            else Field("", "string" if f.kind == "string_set" else "any")
        )
        return [
            failure
            for i, item in enumerate(value)
            for failure in _value(token, item_field, item, f"{where}[{i}]")
        ]
    if f.kind == "map" and f.of is not None:
        if not isinstance(value, dict):
            return [_wrong(where, "object", value)]
        item_field = Field("", "object", f.of)
        return [failure for k, v in value.items() for failure in _value(token, item_field, v, f"{where}.{k}")]
    return []


def _wrong(where: str, kind: str, value: Any) -> CheckFailure:
    return CheckFailure(where, f"'{where}' should be of type '{kind}' but got {type(value).__name__}")
