"""Role assignments: a GUID name, an existing role definition and principal, one per role/principal/scope.

Refusals and their sources (Microsoft Learn "Troubleshoot Azure RBAC"; RoleAssignmentsCalls.json 2022-04-01):
- InvalidRoleAssignmentId (400): the name must be a GUID;
- RoleDefinitionDoesNotExist (400): "The specified role definition with ID '...' does not exist.";
- PrincipalNotFound (400): "Principal ... does not exist in the directory ..." (the troubleshooting page's
  text); whether Azure still checks when principalType is set (the replication-delay advice) is unverified:
  the emulator always checks;
- RoleAssignmentExists (409): "The role assignment already exists." for the same role, principal and
  scope under another name;
- RoleAssignmentUpdateNotPermitted (400): an existing assignment's principal, role or scope cannot change.
A second PUT of the same name and content answers 201 with the assignment (unverified).
"""

from __future__ import annotations

import re
from typing import Any

from batch_infra.emulator import arm
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.identities import principal_exists
from batch_infra.emulator.services.authorization.roles import role_exists

COLLECTION = "role_assignments"  # keyed by lower-cased assignment id (scope + /providers/...), so deleting
# a resource group deletes the assignments at or under it, as ARM does
TYPE = "Microsoft.Authorization/roleAssignments"
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_DEFINITION = re.compile(
    r"^(?:/subscriptions/(?P<sub>[^/]+))?/providers/Microsoft\.Authorization/roleDefinitions/(?P<role>[^/]+)$",
    re.IGNORECASE,
)
_OPTIONAL = ("description", "condition", "conditionVersion", "delegatedManagedIdentityResourceId")


def assignment_id(scope: str, name: str) -> str:
    return f"{scope}/providers/{TYPE}/{name}"


def create(ctx: EmulatorContext, scope: str, name: str, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    if not _GUID.match(name):
        raise AzureError(
            400,
            "InvalidRoleAssignmentId",
            f"The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID.",
        )
    _require_scope(ctx, scope)
    props = arm.properties(body, required=True)
    role = _role_definition(ctx, props.get("roleDefinitionId"))
    principal = props.get("principalId")
    if not isinstance(principal, str) or not principal_exists(ctx, principal):
        raise AzureError(
            400,
            "PrincipalNotFound",
            f"Principal {str(principal or '').replace('-', '')} does not exist in the directory "
            f"{ctx.tenant_id}. "
            "Check that you have the correct principal ID. If you are creating this principal and then "
            "immediately assigning a role, this error might be related to a replication delay. In this "
            "case, set the role assignment principalType property to a value, such as ServicePrincipal, "
            "User, or Group. See https://aka.ms/docs-principaltype",
        )
    key = assignment_id(scope, name)
    with ctx.state.transaction() as state:
        existing = state.get(COLLECTION, key)
        if existing is not None:
            _same_assignment(existing, role, principal, scope)
            return existing, True  # answered 201 like a create (unverified)
        _no_duplicate(state, role, principal, scope)
        now = ctx.now().isoformat().replace("+00:00", "Z")
        doc = {
            "id": key,
            "name": name,
            "type": TYPE,
            "properties": {
                "roleDefinitionId": role,
                "principalId": principal,
                # Every principal the emulator knows is a managed identity, i.e. a service principal.
                "principalType": props.get("principalType", "ServicePrincipal"),
                "scope": scope,
                **{k: props[k] for k in _OPTIONAL if props.get(k) is not None},
                # createdBy/updatedBy name the caller's object id; the emulator's token has none.
                "createdOn": now,
                "updatedOn": now,
            },
        }
        state.put(COLLECTION, key, doc)
        return doc, True


def get(ctx: EmulatorContext, scope: str, name: str) -> dict[str, Any]:
    doc = ctx.state.get(COLLECTION, assignment_id(scope, name))
    if doc is None:
        raise AzureError(404, "RoleAssignmentNotFound", f"The role assignment '{name}' is not found.")
    return doc


def delete(ctx: EmulatorContext, scope: str, name: str) -> dict[str, Any] | None:
    with ctx.state.transaction() as state:
        doc = state.get(COLLECTION, assignment_id(scope, name))
        if doc is not None:
            state.delete(COLLECTION, assignment_id(scope, name))
        return doc


def _require_scope(ctx: EmulatorContext, scope: str) -> None:
    parts = scope.strip("/").split("/")
    if len(parts) >= 4 and parts[2].lower() == "resourcegroups":
        group = arm.resource_group_id(ctx.subscription_id, parts[3])
        if ctx.state.get(arm.RESOURCE_GROUPS, group) is None:
            raise AzureError(404, "ResourceGroupNotFound", f"Resource group '{parts[3]}' could not be found.")


def _role_definition(ctx: EmulatorContext, value: Any) -> str:
    found = _DEFINITION.match(value) if isinstance(value, str) else None
    if found is None or not role_exists(ctx, found["role"]):
        raise AzureError(
            400,
            "RoleDefinitionDoesNotExist",
            f"The specified role definition with ID '{found['role'] if found else value}' does not exist.",
        )
    if found["sub"] and found["sub"].lower() != ctx.subscription_id.lower():
        raise AzureError(
            400,
            "RoleDefinitionDoesNotExist",
            f"The specified role definition with ID '{found['role']}' does not exist in subscription "
            f"'{found['sub']}'; use /subscriptions/{ctx.subscription_id}/providers/...",
        )
    return value


def _same_assignment(existing: dict[str, Any], role: str, principal: str, scope: str) -> None:
    props = existing["properties"]
    if (props["roleDefinitionId"].lower(), props["principalId"].lower(), props["scope"].lower()) != (
        role.lower(),
        principal.lower(),
        scope.lower(),
    ):
        raise AzureError(
            400,
            "RoleAssignmentUpdateNotPermitted",
            "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
        )


def _no_duplicate(state: Any, role: str, principal: str, scope: str) -> None:
    role_guid = role.rsplit("/", 1)[-1].lower()
    for _key, doc in state.items(COLLECTION, scope):
        props = doc["properties"]
        if (
            props["scope"].lower() == scope.lower()
            and props["principalId"].lower() == principal.lower()
            and props["roleDefinitionId"].rsplit("/", 1)[-1].lower() == role_guid
        ):
            raise AzureError(409, "RoleAssignmentExists", "The role assignment already exists.")
