"""Secrets and their versions with Key Vault's rules: names, value and tag limits, disabled versions."""

from __future__ import annotations

import re
import uuid
from typing import Any

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError

SECRETS = "keyvault_secrets"  # keyed by the lower-cased secret name (Key Vault names are case-insensitive)
NAME = re.compile(r"^[0-9a-zA-Z-]{1,127}$")
MAX_VALUE_BYTES = 25 * 1024
MAX_TAGS = 15
RECOVERY = {"recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90}


def set_secret(ctx: EmulatorContext, name: str, body: dict[str, Any]) -> dict[str, Any]:
    """A new current version holding `value` (Key Vault never overwrites a version)."""
    _check_name(name)
    value = body.get("value")
    if not isinstance(value, str):
        raise AzureError(400, "BadParameter", "Property 'value' is required and must be a string.")
    if len(value.encode()) > MAX_VALUE_BYTES:
        raise AzureError(400, "BadParameter", f"The secret value exceeds {MAX_VALUE_BYTES} bytes.")
    now = int(ctx.now().timestamp())
    enabled = (body.get("attributes") or {}).get("enabled", True)
    version = {
        "name": name,
        "version": uuid.uuid4().hex,
        "value": value,
        "contentType": body.get("contentType"),
        "tags": _tags(body.get("tags")),
        "attributes": {"enabled": bool(enabled), "created": now, "updated": now, **RECOVERY},
    }
    with ctx.state.transaction() as state:
        doc = state.get(SECRETS, name.lower()) or {"name": name, "versions": []}
        doc["versions"].append(version)
        state.put(SECRETS, name.lower(), doc)
    return version


def get_version(ctx: EmulatorContext, name: str, version: str | None) -> dict[str, Any]:
    """The named version, or the newest one; a disabled version's value is refused as Key Vault does."""
    found = _find(ctx, name, version)
    if not found["attributes"]["enabled"]:
        raise AzureError(403, "Forbidden", f"Operation get is not allowed on a disabled secret '{name}'.")
    return found


def update_properties(ctx: EmulatorContext, name: str, version: str | None, body: dict[str, Any]) -> dict:
    with ctx.state.transaction() as state:
        doc = _doc(ctx, name)
        target = _pick(doc, name, version)
        if "tags" in body:
            target["tags"] = _tags(body["tags"])
        if "contentType" in body:
            target["contentType"] = body["contentType"]
        if isinstance(body.get("attributes"), dict) and "enabled" in body["attributes"]:
            target["attributes"]["enabled"] = bool(body["attributes"]["enabled"])
        target["attributes"]["updated"] = int(ctx.now().timestamp())
        state.put(SECRETS, name.lower(), doc)
        return target


def list_versions(ctx: EmulatorContext, name: str) -> list[dict[str, Any]]:
    return list(_doc(ctx, name)["versions"])


def _find(ctx: EmulatorContext, name: str, version: str | None) -> dict[str, Any]:
    return _pick(_doc(ctx, name), name, version)


def _doc(ctx: EmulatorContext, name: str) -> dict[str, Any]:
    _check_name(name)
    doc = ctx.state.get(SECRETS, name.lower())
    if doc is None or not doc["versions"]:
        raise AzureError(
            404, "SecretNotFound", f"A secret with (name/id) {name} was not found in this key vault."
        )
    return doc


def _pick(doc: dict[str, Any], name: str, version: str | None) -> dict[str, Any]:
    if version is None:
        return doc["versions"][-1]
    for candidate in doc["versions"]:
        if candidate["version"] == version.lower():
            return candidate
    raise AzureError(
        404, "SecretNotFound", f"A secret with (name/id) {name}/{version} was not found in this key vault."
    )


def _check_name(name: str) -> None:
    if not NAME.match(name):
        raise AzureError(
            400,
            "BadParameter",
            f"The request URI contains an invalid name: {name}. Secret names "
            "are 1-127 letters, digits and dashes.",
        )


def _tags(tags: Any) -> dict[str, str]:
    if tags is None:
        return {}
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise AzureError(400, "BadParameter", "Tags must be an object of string values.")
    if len(tags) > MAX_TAGS:
        raise AzureError(400, "BadParameter", f"A secret may have at most {MAX_TAGS} tags, got {len(tags)}.")
    return dict(tags)
