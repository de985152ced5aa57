"""SDK inputs <-> ARM JSON, as azure-native's provider/pkg/convert does it, driven by the type tables.

- request body: sdkInputsToRequestBody.go (flattened `properties` rebuilt, x-ms-client-name renames undone,
  string sets sent as {id: {}} maps); an input with no mapping is refused here, never dropped;
- outputs: responseBodyToSdkOutputs.go (properties flattened, SDK names, plus id and azureApiVersion);
- inputs projected back from outputs: sdkOutputsToSdkInputs.go (read-only properties left out, string-set
  maps back to lists of keys);
- preview outputs: previewOutputs.go (an input's value where its type matches, unknown otherwise).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tests.engine.azure_native.shapes import SCALARS, Field, ResourceSpec, Shape, get_path, set_path
from tests.engine.resource_provider import ProviderError
from tests.engine.values import UNKNOWN

API_VERSION_INPUT = "azureApiVersion"
# Path parameters that are whole ARM ids (x-ms-skip-url-encoding): a role assignment's or lock's {scope},
# a diagnostic setting's {resourceUri}.
SCOPE_PARAMS = ("scope", "resourceUri")


def resource_path(spec: ResourceSpec, inputs: dict[str, Any], subscription: str) -> str:
    """The ARM id the inputs name (the PUT/GET/DELETE URL path)."""
    parts = []
    for part in spec.path.split("/"):
        if not part.startswith("{"):
            parts.append(part)
            continue
        name = part[1:-1]
        if name == "subscriptionId":
            parts.append(subscription)
            continue
        value = inputs.get(name)
        if not isinstance(value, str) or not value:
            raise ProviderError(
                f"{spec.token}: missing required path property '{name}' (set it in the inputs)"
            )
        # {scope} is x-ms-skip-url-encoding: an ARM id itself, inserted without its leading slash.
        parts.append(value.strip("/") if name in SCOPE_PARAMS else quote(value, safe=""))
    return "/".join(parts)


def request_body(spec: ResourceSpec, inputs: dict[str, Any]) -> dict[str, Any]:
    body_inputs = {k: v for k, v in inputs.items() if k not in spec.path_params and k != API_VERSION_INPUT}
    version = inputs.get(API_VERSION_INPUT, spec.api_version)
    if version != spec.api_version:
        raise ProviderError(
            f"{spec.token}: azureApiVersion '{version}' is not served here (only {spec.api_version}); "
            "remove the input or use that version"
        )
    return to_wire(spec.token, spec.body, body_inputs, "")


def to_wire(token: str, shape: Shape, value: dict[str, Any], where: str) -> dict[str, Any]:
    wire: dict[str, Any] = {}
    fields = shape.inputs()
    for name, item in value.items():
        if item is None:
            continue  # SkipNulls: the engine never sends a null input as a value
        f = fields.get(name)
        if f is None:
            raise ProviderError(
                f"{token}: input property '{where}{name}' has no mapping to the ARM body of {shape.name} "
                f"(known: {', '.join(sorted(fields))}); fix its name or add it to the type table"
            )
        set_path(wire, f.wire_path, _value_to_wire(token, f, item, f"{where}{name}"))
    return wire


def _value_to_wire(token: str, f: Field, value: Any, where: str) -> Any:
    if f.kind == "object" and f.of is not None:
        _require(token, isinstance(value, dict), where, "an object", value)
        return to_wire(token, f.of, value, where + ".")
    if f.kind == "array":
        _require(token, isinstance(value, list), where, "a list", value)
        if f.of is None:
            return list(value)
        return [to_wire(token, f.of, item, f"{where}[{i}].") for i, item in enumerate(value)]
    if f.kind == "map" and f.of is not None:
        _require(token, isinstance(value, dict), where, "an object", value)
        return {k: to_wire(token, f.of, v, f"{where}.{k}.") for k, v in value.items()}
    if f.kind == "string_set":
        _require(token, isinstance(value, list), where, "a list of strings", value)
        return {item: {} for item in value}
    return value


def _require(token: str, ok: bool, where: str, expected: str, value: Any) -> None:
    if not ok:
        raise ProviderError(f"{token}: input '{where}' must be {expected}, got {type(value).__name__}")


def outputs(spec: ResourceSpec, response: dict[str, Any]) -> dict[str, Any]:
    result = to_sdk(spec.body, response)
    result["id"] = response.get("id")
    result[API_VERSION_INPUT] = spec.api_version
    return result


def to_sdk(shape: Shape, wire: dict[str, Any]) -> dict[str, Any]:
    """Outputs of one object: mapped fields by SDK name; wire keys the table does not know keep their name
    (inside a flattened `properties` bag they are lifted to the top, as x-ms-client-flatten does)."""
    result: dict[str, Any] = {}
    mapped = {f.wire for f in shape.fields.values()}
    flattened = any(w.startswith("properties.") for w in mapped)
    for name, f in shape.fields.items():
        present, value = get_path(wire, f.wire_path)
        if present and value is not None:
            result[name] = _value_to_sdk(f, value)
    for key, value in wire.items():
        if key == "properties" and flattened and isinstance(value, dict):
            for inner, inner_value in value.items():
                if f"properties.{inner}" not in mapped:
                    result.setdefault(inner, inner_value)
        elif key not in mapped:
            result.setdefault(key, value)
    return result


def _value_to_sdk(f: Field, value: Any) -> Any:
    if f.kind == "object" and f.of is not None and isinstance(value, dict):
        return to_sdk(f.of, value)
    if f.kind == "array" and f.of is not None and isinstance(value, list):
        return [to_sdk(f.of, item) if isinstance(item, dict) else item for item in value]
    if f.kind == "map" and f.of is not None and isinstance(value, dict):
        return {k: to_sdk(f.of, v) if isinstance(v, dict) else v for k, v in value.items()}
    if f.kind == "string_set" and isinstance(value, dict):
        shape = f.output_of
        return {k: to_sdk(shape, v) if shape and isinstance(v, dict) else v for k, v in value.items()}
    return value


def project_inputs(shape: Shape, outputs_: dict[str, Any]) -> dict[str, Any]:
    """SdkOutputsToSdkInputs: the writable part of the outputs, in input shape."""
    result: dict[str, Any] = {}
    for name, f in shape.inputs().items():
        if name in outputs_ and outputs_[name] is not None:
            result[name] = _output_to_input(f, outputs_[name])
    return result


def _output_to_input(f: Field, value: Any) -> Any:
    if f.kind == "object" and f.of is not None and isinstance(value, dict):
        return project_inputs(f.of, value)
    if f.kind == "array" and f.of is not None and isinstance(value, list):
        return [project_inputs(f.of, item) if isinstance(item, dict) else item for item in value]
    if f.kind == "map" and f.of is not None and isinstance(value, dict):
        return {k: project_inputs(f.of, v) if isinstance(v, dict) else v for k, v in value.items()}
    if f.kind == "string_set" and isinstance(value, dict):
        return list(value)
    return value


def preview_outputs(spec: ResourceSpec, inputs: dict[str, Any]) -> dict[str, Any]:
    result = preview(spec.body, inputs)
    result["id"] = UNKNOWN
    result[API_VERSION_INPUT] = inputs.get(API_VERSION_INPUT, spec.api_version)
    return result


def preview(shape: Shape, inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        name: _preview_value(f, inputs[name]) if name in inputs else UNKNOWN
        for name, f in shape.fields.items()
    }


def _preview_value(f: Field, value: Any) -> Any:
    if value is UNKNOWN:
        return UNKNOWN
    if f.kind in SCALARS and _scalar_matches(f.kind, value):
        return value
    if f.kind == "array" and isinstance(value, list):
        if f.of is None:
            return list(value)
        return [preview(f.of, item) if isinstance(item, dict) else UNKNOWN for item in value]
    if f.kind == "object" and f.of is not None and isinstance(value, dict):
        return preview(f.of, value)
    if f.kind == "map" and isinstance(value, dict):
        return {k: preview(f.of, v) if f.of and isinstance(v, dict) else v for k, v in value.items()}
    if f.kind == "any":
        return value
    return UNKNOWN  # e.g. a string set: a list as input, a map of objects as output


def _scalar_matches(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    return isinstance(value, int | float) and not isinstance(value, bool)


def path_inputs(spec: ResourceSpec, resource_id: str) -> dict[str, str]:
    """ParseResourceID: the path parameters an ARM id holds (what an import starts from)."""
    template = [p for p in spec.path.strip("/").split("/")]
    parts = resource_id.strip("/").split("/")
    found: dict[str, str] = {}
    if template[0] in {f"{{{p}}}" for p in SCOPE_PARAMS}:
        tail = len(template) - 1
        if len(parts) < tail:
            raise ProviderError(f"{spec.token}: '{resource_id}' is not an id of this type ({spec.path})")
        found[template[0][1:-1]] = "/" + "/".join(parts[: len(parts) - tail])
        template, parts = template[1:], parts[len(parts) - tail :]
    if len(template) != len(parts):
        raise ProviderError(f"{spec.token}: '{resource_id}' is not an id of this type ({spec.path})")
    for want, got in zip(template, parts, strict=True):
        if want.startswith("{"):
            if want != "{subscriptionId}":
                found[want[1:-1]] = got
        elif want.lower() != got.lower():
            raise ProviderError(f"{spec.token}: '{resource_id}' is not an id of this type ({spec.path})")
    return found
