"""User-assigned identities: name rules, Azure-generated principalId/clientId, location fixed at create.

Name rule (Microsoft.ManagedIdentity naming rules): 3-128 characters, letters, digits, hyphens and
underscores, starting with a letter or digit. principalId and clientId are GUIDs Azure generates once;
tenantId is the subscription's tenant (ManagedIdentity.json UserAssignedIdentityProperties, all readOnly).
isolationScope (None or Regional, default None) exists from 2024-11-30 (and 2025-01-31-preview): answered
only at those versions, as Microsoft's IdentityGet examples show it; sent at an older version it is refused
by name rather than dropped (unverified whether Azure ignores it there).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from batch_infra.emulator import arm
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.identities import USER_ASSIGNED

TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$")
ISOLATION_SCOPES = ("None", "Regional")
_WITHOUT_ISOLATION = ("2015-08-31-preview", "2018-11-30", "2021-09-30-preview", "2022-01-31-preview")
_WITHOUT_ISOLATION += ("2023-01-31", "2023-07-31-preview")


def defines_isolation_scope(api_version: str | None) -> bool:
    return api_version not in _WITHOUT_ISOLATION


def served(doc: dict[str, Any], api_version: str | None) -> dict[str, Any]:
    """The identity as `api_version` defines it (isolationScope from 2024-11-30)."""
    if defines_isolation_scope(api_version):
        return doc
    return {**doc, "properties": {k: v for k, v in doc["properties"].items() if k != "isolationScope"}}


def _isolation_scope(body: dict[str, Any], api_version: str | None, current: str) -> str:
    props = body.get("properties") or {}
    if not isinstance(props, dict) or "isolationScope" not in props:
        return "None" if defines_isolation_scope(api_version) else current
    value = props["isolationScope"]
    if not defines_isolation_scope(api_version):
        raise AzureError(
            400,
            "InvalidRequestContent",
            f"properties.isolationScope is not defined in api-version {api_version}; send it with "
            "api-version 2024-11-30 or later.",
            target="properties.isolationScope",
        )
    if value not in ISOLATION_SCOPES:
        raise AzureError(
            400,
            "InvalidRequestContent",
            f"properties.isolationScope {value!r} is not valid; use {' or '.join(ISOLATION_SCOPES)}.",
            target="properties.isolationScope",
        )
    return str(value)


def identity_id(subscription: str, resource_group: str, name: str) -> str:
    return f"{arm.resource_group_id(subscription, resource_group)}/providers/{TYPE}/{name}"


def create_or_update(
    ctx: EmulatorContext, resource_group: str, name: str, body: dict[str, Any], api_version: str | None = None
) -> tuple[dict[str, Any], bool]:
    if not _NAME.match(name):
        raise AzureError(
            400,
            "InvalidResourceName",
            f"The resource name '{name}' is invalid: use 3 to 128 letters, digits, hyphens or underscores, "
            "starting with a letter or digit.",
            target="resourceName",
        )
    location = arm.normalize_location(body.get("location"))
    resource_id = identity_id(ctx.subscription_id, resource_group, name)
    with ctx.state.transaction() as state:
        existing = state.get(USER_ASSIGNED, resource_id)
        if existing is not None and existing["location"] != location:
            raise AzureError(
                400,
                "InvalidResourceLocation",
                f"The resource '{name}' already exists in location '{existing['location']}' in resource "
                "group "
                f"'{resource_group}'. A resource with the same name cannot be created in location "
                f"'{location}'. Please select a new resource name.",
            )
        doc = existing or {
            "id": resource_id,
            "name": name,
            "type": TYPE,
            "location": location,
            "properties": {
                "tenantId": ctx.tenant_id,
                "principalId": str(uuid.uuid4()),
                "clientId": str(uuid.uuid4()),
            },
        }
        doc["tags"] = body.get("tags") or {}
        # A PUT replaces what its api-version can set: one without isolationScope sets the default, while
        # an older version, which cannot name it, leaves it (both unverified).
        current = doc["properties"].get("isolationScope", "None")
        doc["properties"]["isolationScope"] = _isolation_scope(body, api_version, current)
        state.put(USER_ASSIGNED, resource_id, doc)
        return doc, existing is None


def get(ctx: EmulatorContext, resource_group: str, name: str) -> dict[str, Any]:
    doc = ctx.state.get(USER_ASSIGNED, identity_id(ctx.subscription_id, resource_group, name))
    if doc is None:
        raise AzureError(
            404,
            "ResourceNotFound",
            f"The Resource '{TYPE}/{name}' under resource group '{resource_group}' was not found.",
        )
    return doc


def delete(ctx: EmulatorContext, resource_group: str, name: str) -> bool:
    return ctx.state.delete(USER_ASSIGNED, identity_id(ctx.subscription_id, resource_group, name))
