"""Resource group documents and the rules Azure applies to them (names, locations, deletion of children)."""

from __future__ import annotations

import re
from typing import Any

from batch_infra.emulator import arm
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError

TYPE = "Microsoft.Resources/resourceGroups"
_NAME = re.compile(r"^[-\w._()]{1,90}$")
STORAGE_ACCOUNTS = "storage_accounts"  # Microsoft.Storage's collection: their blobs go with the group


def check_name(name: str) -> None:
    if not _NAME.match(name) or name.endswith("."):
        bad = sorted({c for c in name if not (c.isalnum() or c in "-._()")}) or ["."]
        raise AzureError(
            400,
            "InvalidResourceGroup",
            f"The provided resource group name '{name}' has these invalid characters: '{''.join(bad)}'. "
            "The name can only be a letter, digit, '-', '.', '(', ')' or '_' (1-90 characters, "
            "not ending in '.').",
        )


def get(ctx: EmulatorContext, subscription: str, name: str) -> dict[str, Any]:
    group = ctx.state.get(arm.RESOURCE_GROUPS, arm.resource_group_id(subscription, name))
    if group is None:
        raise AzureError(404, "ResourceGroupNotFound", f"Resource group '{name}' could not be found.")
    return group


def create_or_update(
    ctx: EmulatorContext, subscription: str, name: str, body: dict[str, Any]
) -> tuple[dict, bool]:
    """Create the group or update its tags/managedBy; returns (group, created). Location cannot change."""
    check_name(name)
    location = arm.normalize_location(body.get("location"))
    tags = arm.check_tags(body)
    key = arm.resource_group_id(subscription, name)
    with ctx.state.transaction() as state:
        group = state.get(arm.RESOURCE_GROUPS, key)
        if group is not None:
            if group["properties"]["provisioningState"] == "Deleting":
                raise AzureError(
                    409,
                    "ResourceGroupBeingDeleted",
                    f"The resource group '{name}' is in deprovisioning state and cannot perform "
                    "this operation.",
                )
            if group["location"] != location:
                raise AzureError(
                    409,
                    "InvalidResourceGroupLocation",
                    f"Invalid resource group location '{body['location']}'. The Resource group already "
                    f"exists in location '{group['location']}'.",
                )
        created = group is None
        group = group or {
            "id": key,
            "name": name,
            "type": TYPE,
            "location": location,
            "properties": {"provisioningState": "Succeeded"},
        }
        _apply_mutable(group, body, tags)
        state.put(arm.RESOURCE_GROUPS, key, group)
    return group, created


def update(ctx: EmulatorContext, subscription: str, name: str, patch: dict[str, Any]) -> dict[str, Any]:
    tags = arm.check_tags(patch)
    with ctx.state.transaction() as state:
        group = get(ctx, subscription, name)
        if "name" in patch and patch["name"] != group["name"]:
            raise AzureError(
                400, "InvalidRequestContent", "A resource group cannot be renamed.", target="name"
            )
        _apply_mutable(group, patch, tags)
        state.put(arm.RESOURCE_GROUPS, group["id"], group)
    return group


def _apply_mutable(group: dict[str, Any], body: dict[str, Any], tags: dict[str, str] | None) -> None:
    if "tags" in body:
        if tags:
            group["tags"] = tags
        else:
            group.pop("tags", None)
    if "managedBy" in body:
        if not isinstance(body["managedBy"], str | None):
            raise AzureError(
                400, "InvalidRequestContent", "'managedBy' must be a string.", target="managedBy"
            )
        group["managedBy"] = body["managedBy"]


def begin_delete(ctx: EmulatorContext, subscription: str, name: str) -> dict[str, Any]:
    """Mark the group Deleting; the operation's completion (finish_delete) removes it and its children."""
    with ctx.state.transaction() as state:
        group = get(ctx, subscription, name)
        group["properties"]["provisioningState"] = "Deleting"
        state.put(arm.RESOURCE_GROUPS, group["id"], group)
    return group


def finish_delete(ctx: EmulatorContext, group_id: str) -> None:
    """Remove the group, every resource in it and the blobs of its storage accounts."""
    with ctx.state.transaction() as state:
        storage = [doc["name"] for _, doc in state.items(STORAGE_ACCOUNTS, group_id.lower() + "/")]
        arm.delete_children(ctx, group_id)
        state.delete(arm.RESOURCE_GROUPS, group_id)
    if ctx.blob is not None:
        for name in storage:
            ctx.blob.delete_account_containers(name)


def list_groups(ctx: EmulatorContext, subscription: str) -> list[dict[str, Any]]:
    prefix = f"/subscriptions/{subscription}/resourcegroups/"
    return [group for _key, group in ctx.state.items(arm.RESOURCE_GROUPS, prefix)]
