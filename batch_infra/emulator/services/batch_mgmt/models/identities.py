"""Managed identities on Batch accounts and pools, resolved as Azure answers them: a system-assigned identity
gains principalId and tenantId, each user-assigned one principalId and clientId (Microsoft's 2025-06-01
examples BatchAccountCreate_SystemAssignedIdentity, BatchAccountCreate_UserAssignedIdentity and
PoolCreate_UserAssignedIdentities)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from batch_infra.emulator.context import EmulatorContext


def resolve(ctx: EmulatorContext, identity: Any, owner_id: str) -> Any:
    """The identity block as stored and answered; anything but an object is kept for the caller to judge."""
    if not isinstance(identity, dict):
        return identity
    resolved = {k: v for k, v in identity.items() if k not in ("principalId", "tenantId")}
    if "SystemAssigned" in str(identity.get("type", "")):
        resolved["principalId"] = _guid("principal", owner_id)
        resolved["tenantId"] = ctx.tenant_id
    users = identity.get("userAssignedIdentities")
    if isinstance(users, dict):
        resolved["userAssignedIdentities"] = {name: _user_assigned(name) for name in users}
    return resolved


def _user_assigned(identity_id: str) -> dict[str, str]:
    return {"principalId": _guid("principal", identity_id), "clientId": _guid("client", identity_id)}


def _guid(kind: str, arm_id: str) -> str:
    """A stable id per ARM resource (the same identity answers the same principalId on every request)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{kind}:{arm_id.lower()}"))
