"""Property values on the gRPC wire (protobuf Struct with Pulumi's signature keys) <-> the engine's values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format, struct_pb2

from tests.engine.values import UNKNOWN, UNKNOWN_GUID, Secret, strip_secrets

# Signature keys of pulumi/runtime/rpc.py (and sdk/go/common/resource/sig): a map holding SIG_KEY is special.
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"


class WireError(ValueError):
    """A value the test engine cannot represent (it refuses rather than dropping it)."""


@dataclass
class Decoded:
    """Decoded properties plus the resources that output values inside them depend on."""

    values: dict[str, Any]
    dependencies: dict[str, set[str]] = field(default_factory=dict)  # top-level key -> URNs


def struct_to_dict(struct: struct_pb2.Struct | None) -> dict[str, Any]:
    if struct is None:
        return {}
    return json_format.MessageToDict(struct)


def decode_properties(struct: struct_pb2.Struct | None) -> Decoded:
    """What the resource monitor does with a RegisterResource `object`: every special value decoded."""
    raw = struct_to_dict(struct)
    decoded = Decoded(values={})
    for key, value in raw.items():
        deps: set[str] = set()
        decoded.values[key] = decode_value(value, deps, f"property {key!r}")
        if deps:
            decoded.dependencies[key] = deps
    return decoded


def decode_value(value: Any, deps: set[str], where: str) -> Any:
    if isinstance(value, str):
        return UNKNOWN if value == UNKNOWN_GUID else value
    if isinstance(value, float):
        # The engine holds numbers as float64 and writes 2.0 as 2 in JSON (state, ARM bodies).
        return int(value) if value.is_integer() else value
    if isinstance(value, list):
        return [decode_value(item, deps, where) for item in value]
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig is None:
            return {k: decode_value(v, deps, f"{where}.{k}") for k, v in value.items()}
        return _decode_special(sig, value, deps, where)
    return value


def _decode_special(sig: str, value: dict[str, Any], deps: set[str], where: str) -> Any:
    if sig == SECRET_SIG:
        inner = decode_value(value.get("value"), deps, where)
        return Secret(inner)
    if sig == OUTPUT_VALUE_SIG:
        deps.update(value.get("dependencies", []))
        inner = decode_value(value["value"], deps, where) if "value" in value else UNKNOWN
        return Secret(inner) if value.get("secret") else inner
    if sig == RESOURCE_SIG:
        # A provider that does not accept resource references gets the id (custom) or the URN (component),
        # as the engine's marshaller does for it.
        deps.add(value["urn"])
        ref_id = value.get("id")
        if ref_id is None:
            return value["urn"]
        return UNKNOWN if ref_id in ("", UNKNOWN_GUID) else ref_id
    if sig in (ASSET_SIG, ARCHIVE_SIG):
        raise WireError(f"{where}: assets and archives are not supported by the test engine (unused here)")
    raise WireError(f"{where}: unknown special value signature {sig!r}")


def encode_value(value: Any, *, keep_secrets: bool) -> Any:
    """Plain JSON for a Struct: unknowns as the engine's GUID, secrets as signature maps (or stripped)."""
    if value is UNKNOWN:
        return UNKNOWN_GUID
    if isinstance(value, Secret):
        inner = encode_value(value.value, keep_secrets=keep_secrets)
        return {SIG_KEY: SECRET_SIG, "value": inner} if keep_secrets else inner
    if isinstance(value, dict):
        return {k: encode_value(v, keep_secrets=keep_secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [encode_value(v, keep_secrets=keep_secrets) for v in value]
    return value


def to_struct(values: dict[str, Any] | None, *, keep_secrets: bool) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    if values:
        struct.update(encode_value(values, keep_secrets=keep_secrets))
    return struct


def for_provider(values: dict[str, Any] | None) -> struct_pb2.Struct:
    """What a provider that answered acceptSecrets=false receives: secrets stripped, unknowns as the GUID."""
    return to_struct(strip_secrets(values) if values is not None else None, keep_secrets=False)


def annotate_secrets(outputs: dict[str, Any], inputs: dict[str, Any] | None) -> dict[str, Any]:
    """provider_plugin.go annotateSecrets: an output is secret when the same-named top-level input was."""
    if not inputs:
        return outputs
    annotated = dict(outputs)
    for key, value in outputs.items():
        if isinstance(inputs.get(key), Secret) and not isinstance(value, Secret):
            annotated[key] = Secret(value)
    return annotated


def mark_secret_outputs(outputs: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """additionalSecretOutputs: these top-level outputs are secret whatever the provider said."""
    marked = dict(outputs)
    for name in names:
        if name in marked and not isinstance(marked[name], Secret):
            marked[name] = Secret(marked[name])
    return marked
