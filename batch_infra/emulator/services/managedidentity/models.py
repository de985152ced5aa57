"""User-assigned identities: name rules, Azure-generated principalId/clientId, location fixed at create.

Name rule (Microsoft.ManagedIdentity naming rules): 3-128 characters, letters, digits, hyphens and
underscores, starting with a letter or digit. principalId and clientId are GUIDs Azure generates once;
tenantId is the subscription's tenant (ManagedIdentity.json UserAssignedIdentityProperties, all readOnly).
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


def identity_id(subscription: str, resource_group: str, name: str) -> str:
    return f"{arm.resource_group_id(subscription, resource_group)}/providers/{TYPE}/{name}"


def create_or_update(
    ctx: EmulatorContext, resource_group: str, name: str, body: dict[str, Any]
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
