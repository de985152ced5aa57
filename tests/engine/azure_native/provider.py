"""AzureNativeProvider: the test engine's azure-native, served from the emulator's ARM REST API."""

from __future__ import annotations

import json
import secrets
import uuid
from pathlib import Path
from typing import Any

from tests.engine.azure_native import convert
from tests.engine.azure_native.client import ArmClient
from tests.engine.azure_native.diff import diff as diff_inputs
from tests.engine.azure_native.shapes import ResourceSpec, get_path, set_path
from tests.engine.azure_native.types import TYPES
from tests.engine.azure_native.validate import validate
from tests.engine.resource_provider import CheckFailure, DiffResult, ProviderError, ReadResult
from tests.engine.values import UNKNOWN

_READY_KEYS = ("arm_endpoint", "ca_bundle", "token", "subscription_id")
_LOCATION_HINT = (
    ". Either set it explicitly or configure it with 'pulumi config set azure-native:location <value>'."
)


class AzureNativeProvider:
    """ResourceProvider for every `azure-native:*` type in tests/engine/azure_native/types."""

    def __init__(self, client: ArmClient, subscription_id: str, types: dict[str, ResourceSpec] = TYPES):
        self.client = client
        self.subscription_id = subscription_id
        self.types = types

    @classmethod
    def from_ready_file(cls, path: str | Path) -> AzureNativeProvider:
        ready = json.loads(Path(path).read_text(encoding="utf-8"))
        missing = [key for key in _READY_KEYS if not ready.get(key)]
        if missing:
            raise ProviderError(
                f"{path}: the emulator ready file lacks {', '.join(missing)}; restart the emulator"
            )
        client = ArmClient(ready["arm_endpoint"], ready["token"], ready["ca_bundle"])
        return cls(client, ready["subscription_id"])

    # --- ResourceProvider -----------------------------------------------------------------------------
    def check(
        self, urn: str, type_token: str, olds: dict[str, Any] | None, news: dict[str, Any]
    ) -> tuple[dict[str, Any], list[CheckFailure]]:
        spec = self._spec(type_token)
        inputs = {k: v for k, v in news.items() if v is not None}
        for name, style in spec.auto_name.items():
            if name not in inputs:
                inputs[name] = (olds or {}).get(name) or _auto_name(urn, style)
        inputs.setdefault(convert.API_VERSION_INPUT, spec.api_version)
        required = dict.fromkeys([*spec.required, *(p for p in spec.path_params if p not in spec.auto_name)])
        failures = [CheckFailure(name, _missing_reason(name)) for name in required if name not in inputs]
        failures += validate(spec, inputs)
        return inputs, failures

    def diff(
        self,
        urn: str,
        type_token: str,
        id: str,
        old_outputs: dict[str, Any],
        old_inputs: dict[str, Any],
        news: dict[str, Any],
    ) -> DiffResult:
        spec = self._spec(type_token)
        olds = dict(old_inputs)
        if convert.API_VERSION_INPUT not in olds and convert.API_VERSION_INPUT in old_outputs:
            # v2 -> v3 migration (provider.go Diff): the version in state stands for the missing input.
            olds[convert.API_VERSION_INPUT] = old_outputs[convert.API_VERSION_INPUT]
        return diff_inputs(spec, olds, news, old_outputs)

    def create(
        self, urn: str, type_token: str, inputs: dict[str, Any], preview: bool
    ) -> tuple[str | None, dict[str, Any]]:
        spec = self._spec(type_token)
        if preview:
            return None, convert.preview_outputs(spec, inputs)
        path = convert.resource_path(spec, inputs, self.subscription_id)
        body = convert.request_body(spec, inputs)
        for prop in spec.maintain:  # SetUnsetSubresourcePropertiesToDefaults: an unset list is empty
            if not get_path(body, _wire(spec, prop))[0]:
                set_path(body, _wire(spec, prop), [])
        if self.client.get(path, spec.api_version) is not None:
            # crud.CanCreate: azure-native never adopts; the PUT would silently take the resource over.
            raise ProviderError(
                f"{type_token}: cannot create already existing resource '{path}'; import it "
                "(`import`) or delete it first"
            )
        return self._write(spec, path, body)

    def update(
        self,
        urn: str,
        type_token: str,
        id: str,
        old_outputs: dict[str, Any],
        old_inputs: dict[str, Any],
        news: dict[str, Any],
        preview: bool,
    ) -> dict[str, Any]:
        spec = self._spec(type_token)
        if preview:
            result = convert.preview_outputs(spec, news)
            # provider.go Update: name and location are universally immutable, so kept from the state.
            for key in ("name", "location"):
                if key in old_outputs:
                    result[key] = old_outputs[key]
            result["id"] = old_outputs.get("id", id)
            return result
        path = convert.resource_path(spec, news, self.subscription_id)
        body = convert.request_body(spec, news)
        self._maintain(spec, path, body)
        return self._write(spec, path, body)[1]

    def read(
        self,
        urn: str,
        type_token: str,
        id: str,
        inputs: dict[str, Any] | None,
        state: dict[str, Any] | None,
    ) -> ReadResult | None:
        spec = self._spec(type_token)
        response = self.client.get(id, spec.api_version)
        if response is None:
            return None
        outputs = convert.outputs(spec, response)
        if inputs is None:  # import: ResponseToSdkInputs (path parameters + the writable body)
            found = {**convert.path_inputs(spec, id), **convert.project_inputs(spec.body, outputs)}
            return ReadResult(response.get("id", id), outputs, found)
        kept = {k: v for k, v in outputs.items() if k not in spec.maintain or k in inputs}
        old_projection = convert.project_inputs(spec.body, state or {})
        new_projection = convert.project_inputs(spec.body, kept)
        return ReadResult(response.get("id", id), outputs, apply_diff(inputs, old_projection, new_projection))

    def delete(self, urn: str, type_token: str, id: str, outputs: dict[str, Any]) -> None:
        spec = self._spec(type_token)
        self.client.delete(id, spec.api_version)

    # --- helpers --------------------------------------------------------------------------------------
    def _spec(self, type_token: str) -> ResourceSpec:
        spec = self.types.get(type_token)
        if spec is None:
            raise ProviderError(
                f"{type_token}: not served by the test engine's azure-native (served: "
                f"{', '.join(sorted(self.types))}); add a table entry in tests/engine/azure_native/types"
            )
        return spec

    def _write(self, spec: ResourceSpec, path: str, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        self.client.put(path, spec.api_version, body)
        response = self.client.get(path, spec.api_version)  # readAfterWrite
        if response is None:
            raise ProviderError(f"{spec.token}: '{path}' was written but a GET then answered 404")
        return response.get("id", path), convert.outputs(spec, response)

    def _maintain(self, spec: ResourceSpec, path: str, body: dict[str, Any]) -> None:
        """MaintainSubResourcePropertiesIfNotSet: keep Azure's sub-resources the inputs do not name (a VNet
        update without `subnets` must not delete the standalone Subnet resources)."""
        missing = [prop for prop in spec.maintain if not get_path(body, _wire(spec, prop))[0]]
        if not missing:
            return
        live = self.client.get(path, spec.api_version) or {}
        for prop in missing:
            present, value = get_path(live, _wire(spec, prop))
            set_path(body, _wire(spec, prop), value if present else [])


def apply_diff(values: dict[str, Any], old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """provider/pkg/provider/diff.go applyDiff: copy into `values` only what changed between projections."""
    result = {k: v for k, v in values.items() if not (k in old and k not in new)}
    for key, value in new.items():
        if key not in old:
            result[key] = value
        elif old[key] != value:
            result[key] = _apply_value(values[key], old[key], value) if key in values else value
    return result


def _apply_value(base: Any, old: Any, new: Any) -> Any:
    if isinstance(base, dict) and isinstance(old, dict) and isinstance(new, dict):
        return apply_diff(base, old, new)
    if isinstance(base, list) and isinstance(old, list) and isinstance(new, list):
        return [
            _apply_value(base[i], old[i], item) if i < len(base) and i < len(old) else item
            for i, item in enumerate(new)
        ]
    return new


def _wire(spec: ResourceSpec, prop: str) -> tuple[str, ...]:
    return spec.body.fields[prop].wire_path


def _auto_name(urn: str, style: str) -> Any:
    if style == "uuid":
        return str(uuid.uuid4())
    # azure-native's default: the resource's name plus a random suffix (unverified: suffix length/alphabet).
    return urn.rsplit("::", 1)[-1] + secrets.token_hex(4) if urn else UNKNOWN


def _missing_reason(name: str) -> str:
    reason = f"missing required property '{name}'"
    if name == "location":
        reason += _LOCATION_HINT
    return reason
