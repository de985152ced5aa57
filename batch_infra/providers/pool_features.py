"""The Azure-shaped pool sections (containers, mounts, security, placement, encryption, extensions, upgrade
policy, Windows settings, license type, tags) into the Pool body and back, with their secrets.

The config uses Azure's own property names for these sections, so the body is the config itself with every
`<property>Secret: <config key>` replaced by `<property>: <value>` from the `secretValues` input (a secret
Output, built from secret config by components/pools.py). Azure never returns those secret properties, so
reading back puts the prior `...Secret` names where Azure left the values out; values Azure only echoes as
its defaults, where the prior inputs had nothing, are dropped. The result is no phantom diff after refresh.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from batch_infra.config.secret_refs import SUFFIX, references
from batch_infra.errors import BatchInfraError

# Input keys that are parts of deploymentConfiguration.virtualMachineConfiguration, by Azure name.
VM_KEYS = (
    "containerConfiguration",
    "securityProfile",
    "nodePlacementConfiguration",
    "diskEncryptionConfiguration",
    "extensions",
    "windowsConfiguration",
    "licenseType",
)
# Input keys that are pool properties of the same name.
POOL_KEYS = ("mountConfiguration", "upgradePolicy")
SECRET_PROPERTIES = ("password", "accountKey", "sasKey", "protectedSettings")
# Values Azure fills in when a property is left out (API 2025-06-01 descriptions), by property name.
ECHOED_DEFAULTS: dict[str, Any] = {
    "sourcePortRanges": ["*"],
    "policy": "Regional",
    "registryServer": "docker.io",
    "enableAutomaticUpdates": True,
    "provisionAfterExtensions": [],
    "containerImageNames": [],
    "containerRegistries": [],
}
SECRETS_INPUT = "secretValues"


def vm_sections(inputs: Mapping[str, Any], *, with_secrets: bool = True) -> dict[str, Any]:
    """The virtualMachineConfiguration properties these inputs set."""
    return _sections(inputs, VM_KEYS, with_secrets)


def pool_sections(inputs: Mapping[str, Any], *, with_secrets: bool = True) -> dict[str, Any]:
    """The pool properties (mountConfiguration, upgradePolicy) these inputs set."""
    return _sections(inputs, POOL_KEYS, with_secrets)


def _sections(inputs: Mapping[str, Any], keys: tuple[str, ...], with_secrets: bool) -> dict[str, Any]:
    secrets = inputs.get(SECRETS_INPUT) or {}
    found = {}
    for key in keys:
        value = compact(inputs.get(key))
        if value is not None:
            found[key] = with_values(value, secrets, key) if with_secrets else without_secrets(value)
    return found


def with_values(value: Any, secrets: Mapping[str, Any], where: str) -> Any:
    """`value` with each `<property>Secret: <key>` replaced by `<property>: <secret value>`."""
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if key.endswith(SUFFIX) and key[: -len(SUFFIX)] in SECRET_PROPERTIES:
                name = key[: -len(SUFFIX)]
                out[name] = _secret(secrets, str(item), f"{where}.{key}", name == "protectedSettings")
            else:
                out[key] = with_values(item, secrets, f"{where}.{key}")
        return out
    if isinstance(value, list):
        return [with_values(item, secrets, f"{where}[{i}]") for i, item in enumerate(value)]
    return value


def without_secrets(value: Any) -> Any:
    """`value` without its secret references (what a comparison with Azure's answer may look at)."""
    if isinstance(value, Mapping):
        return {k: without_secrets(v) for k, v in value.items() if not k.endswith(SUFFIX)}
    if isinstance(value, list):
        return [without_secrets(v) for v in value]
    return value


def _secret(secrets: Mapping[str, Any], key: str, where: str, as_json: bool) -> Any:
    if key not in secrets:
        raise BatchInfraError(
            f"{where} names secret config key {key!r}, and no value for it reached the pool provider",
            fix=f"run `pulumi config set --secret batch-infra:{key} <value>` for this stack",
        )
    value = secrets[key]
    if not as_json:
        return value
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError as err:
        raise BatchInfraError(
            f"{where}: secret config key {key!r} is not a JSON object ({err.msg})",
            fix=f"set it to the extension's protected settings as JSON, e.g. "
            f'`pulumi config set --secret batch-infra:{key} \'{{"key": "..."}}\'`',
        ) from err
    if not isinstance(parsed, Mapping):
        raise BatchInfraError(
            f"{where}: secret config key {key!r} holds JSON that is not an object",
            fix="store the protected settings as a JSON object ({...})",
        )
    return parsed


def missing_secrets(
    inputs: Mapping[str, Any], section_keys: tuple[str, ...] = VM_KEYS + POOL_KEYS + ("startTask",)
) -> list[str]:
    """Secret config keys the sections name that have no value in secretValues."""
    secrets = inputs.get(SECRETS_INPUT) or {}
    named = {k for key in section_keys for k in references(inputs.get(key))}
    return sorted(k for k in named if k not in secrets)


def secret_properties(inputs: Mapping[str, Any], changed: set[str]) -> set[str]:
    """The Pool body properties carrying any of the `changed` secret config keys."""
    carriers: set[str] = set()
    for key in VM_KEYS:
        if changed & set(references(inputs.get(key))):
            carriers.add("deploymentConfiguration")
    for key in (*POOL_KEYS, "startTask"):
        if changed & set(references(inputs.get(key))):
            carriers.add(key)
    return carriers


def read_back(pool: Mapping[str, Any], prior: Mapping[str, Any]) -> dict[str, Any]:
    """Input keys for the sections, as Azure has them (secret names and unstated defaults from `prior`)."""
    props = pool.get("properties") or {}
    vm = (props.get("deploymentConfiguration") or {}).get("virtualMachineConfiguration") or {}
    found: dict[str, Any] = {}
    for key, source in [*((k, vm) for k in VM_KEYS), *((k, props) for k in POOL_KEYS)]:
        found[key] = restore(source.get(key), prior.get(key))
    if prior.get("certificates"):  # the Key Vault extension stands for `certificates` (pool_spec)
        found["extensions"] = [e for e in found["extensions"] or [] if not is_certificate_extension(e)]
        found["extensions"] = found["extensions"] or prior.get("extensions")
    tags = pool.get("tags") or {}
    found["tags"] = dict(tags) if tags or prior.get("tags") else prior.get("tags")
    return found


def is_certificate_extension(extension: Mapping[str, Any]) -> bool:
    """The Key Vault extension batch-infra adds for `certificates` (pool_spec.key_vault_extension)."""
    return extension.get("publisher") == "Microsoft.Azure.KeyVault" and extension.get("name") in (
        "KeyVaultForLinux",
        "KeyVaultForWindows",
    )


def restore(azure: Any, prior: Any) -> Any:
    """Azure's value with the prior's secret references put back and echoed defaults the prior left out
    dropped; lists pair up by position (Azure keeps their order)."""
    if isinstance(azure, Mapping):
        before = prior if isinstance(prior, Mapping) else {}
        out = {}
        for key, value in azure.items():
            if key in ECHOED_DEFAULTS and value == ECHOED_DEFAULTS[key] and not before.get(key):
                if key in before:
                    out[key] = before[key]  # e.g. [] written, ["*"] echoed: the same to Azure
                continue
            out[key] = restore(value, before.get(key))
        for key, value in before.items():
            secret_reference = key.endswith(SUFFIX) and key[: -len(SUFFIX)] in SECRET_PROPERTIES
            # Empty lists and maps were not sent (compact): Azure has nothing, which is the same thing.
            if key not in out and (secret_reference or value in ([], {})):
                out[key] = value
        return out
    if isinstance(azure, list):
        before_list = prior if isinstance(prior, list) else []
        return [restore(v, before_list[i] if i < len(before_list) else None) for i, v in enumerate(azure)]
    if azure is None and prior in ([], {}):
        return prior
    return azure


def compact(value: Any) -> Any:
    """Without None members and empty lists or maps (Azure treats them as not given), None if empty.
    An extension's `settings` are the extension's own document and pass unchanged."""
    if isinstance(value, Mapping):
        kept = {k: v if k == "settings" else compact(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not None} or None
    if isinstance(value, list):
        return [compact(v) for v in value] or None
    return value
