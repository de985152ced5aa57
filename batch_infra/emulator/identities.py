"""Managed identities as ARM resolves them for any resource that holds one, and the principals they make.

- A user-assigned identity a resource names must exist (Microsoft.ManagedIdentity, collection
  USER_ASSIGNED); ARM answers the resource's identity with each one's principalId and clientId.
- A system-assigned identity gets a principalId and tenantId of its own, kept for the resource's life.
- `principal_exists` is what Microsoft.Authorization checks a role assignment's principalId against: the
  principals of every identity the emulator has handed out.
Error texts: MissingIdentityIds (azure-cli issue #19172 quotes ARM: "The identity ids must not be null or
empty for 'UserAssigned' identity type."); FailedIdentityOperation with the NotFound response ARM embeds is
ARM's text for an identity that does not exist (its exact wording for Batch is unverified).
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from batch_infra.emulator.errors import AzureError

if TYPE_CHECKING:
    from batch_infra.emulator.context import EmulatorContext

USER_ASSIGNED = "user_assigned_identities"  # state collection, keyed by lower-cased ARM id
# Collections of resources that can hold a system-assigned identity (pools hold user-assigned ones only).
HOLDERS = ("batch_accounts", "storage_accounts")
_SYSTEM = "SystemAssigned"
_USER = "UserAssigned"


def resolve(
    ctx: EmulatorContext,
    identity: Any,
    owner_id: str,
    previous: dict[str, Any] | None,
    *,
    allowed: tuple[str, ...] = ("None", _SYSTEM, _USER),
) -> dict[str, Any]:
    """The identity block ARM stores and answers for a body's `identity` on resource `owner_id`."""
    if not identity:
        return {"type": "None"}
    if not isinstance(identity, dict):
        raise AzureError(400, "InvalidIdentity", "'identity' must be an object.", target="identity")
    kind = identity.get("type")
    if kind not in allowed:
        raise AzureError(
            400,
            "InvalidIdentityType",
            f"The identity type '{kind}' is not supported here; use one of {', '.join(allowed)}.",
            target="identity.type",
        )
    if kind == "None":
        return {"type": "None"}
    result: dict[str, Any] = {"type": kind}
    if _SYSTEM in kind:
        kept = (previous or {}).get("principalId") if _SYSTEM in str((previous or {}).get("type")) else None
        result["principalId"] = kept or str(uuid.uuid4())
        result["tenantId"] = ctx.tenant_id
    if _USER in kind:
        result["userAssignedIdentities"] = _user_assigned(
            ctx, identity.get("userAssignedIdentities"), owner_id
        )
    return result


def _user_assigned(ctx: EmulatorContext, ids: Any, owner_id: str) -> dict[str, Any]:
    if not ids or not isinstance(ids, dict):
        raise AzureError(
            400,
            "MissingIdentityIds",
            "The identity ids must not be null or empty for 'UserAssigned' identity type.",
            target="identity.userAssignedIdentities",
        )
    resolved = {}
    for identity_id in ids:
        found = ctx.state.get(USER_ASSIGNED, identity_id.lower())
        if found is None:
            inner = {"error": {"code": "NotFound", "message": f"Resource '{identity_id}' was not found."}}
            raise AzureError(
                400,
                "FailedIdentityOperation",
                f"Identity operation for resource '{owner_id}' failed with error 'Failed to perform resource "
                f"identity operation. Status: 'NotFound'. Response: '{json.dumps(inner)}'.'",
                target="identity.userAssignedIdentities",
            )
        props = found["properties"]
        resolved[identity_id] = {"principalId": props["principalId"], "clientId": props["clientId"]}
    return resolved


DIRECTORY_SETTING = "directory_principals"


def principal_exists(ctx: EmulatorContext, principal_id: str) -> bool:
    """Whether `principal_id` is the principal of an identity this emulator handed out (user or system)."""
    wanted = principal_id.lower()
    # Users and groups live in the directory, not in ARM: tests declare them (setting directory_principals).
    if wanted in {str(p).lower() for p in ctx.settings.get(DIRECTORY_SETTING) or []}:
        return True
    for collection in (USER_ASSIGNED, *HOLDERS):
        for _key, doc in ctx.state.items(collection):
            if wanted in _principals(doc):
                return True
    return False


def _principals(doc: Any) -> set[str]:
    if not isinstance(doc, dict):
        return set()
    resource = doc.get("resource", doc)
    found = set()
    props = resource.get("properties")
    if resource.get("type") == "Microsoft.ManagedIdentity/userAssignedIdentities" and isinstance(props, dict):
        found.add(str(props.get("principalId", "")).lower())
    identity = resource.get("identity")
    if isinstance(identity, dict) and identity.get("principalId"):
        found.add(str(identity["principalId"]).lower())
    return found
