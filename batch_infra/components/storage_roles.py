"""Role assignments managed-identity auto-storage needs: the account writes blobs, the nodes read them.

With autoStorage.authenticationMode BatchAccountManagedIdentity, Batch reaches the auto-storage account
with the Batch account's own identity (application packages are uploaded and listed through it), and the
nodes fetch application packages and resource files with autoStorage.nodeIdentity. Azure grants neither:
the account's identity needs "Storage Blob Data Contributor" and the node identity "Storage Blob Data
Reader" on the storage account. Assignment names are UUID5s of scope, principal and role, so a re-run
(or a second stack adopting the same account) finds the same assignment instead of adding a duplicate.
"""

from __future__ import annotations

import uuid
from typing import Any

import pulumi
from pulumi_azure_native import authorization, managedidentity

from batch_infra.config.account import AccountConfig

# Azure built-in role definition ids (the same GUID in every tenant and subscription).
STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
STORAGE_BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
# batch-infra's own namespace, so its names never collide with GUIDs other tools mint from the same parts.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "role-assignments.batch-infra")


def role_assignment_name(scope: str, principal_id: str, role: str) -> str:
    """The deterministic assignment name (a GUID, as Azure requires); ARM ids compare case-insensitively."""
    return str(uuid.uuid5(_NAMESPACE, f"{scope.lower()}|{principal_id.lower()}|{role.lower()}"))


def role_definition_id(scope: str, role: str) -> str:
    """The subscription-scoped id of built-in role `role`, for a scope inside that subscription."""
    subscription = scope.split("/")[2]
    return f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{role}"


def identity_short_name(identity_id: str) -> str:
    """The last segment of a user-assigned identity id: what tells two assignments' child names apart."""
    return identity_id.rstrip("/").rsplit("/", 1)[-1].lower()


def auto_storage_role_assignments(
    name: str,
    *,
    account: AccountConfig,
    storage_account_id: pulumi.Output[str],
    batch_identity: pulumi.Output[Any],
    opts: pulumi.ResourceOptions,
) -> list[authorization.RoleAssignment]:
    """The assignments for `account` (none unless auto-storage authenticates with managed identity).

    `batch_identity` is the Batch account's `identity` output; `opts` carries parent=<the account component>.
    """
    if account.auto_storage.authentication_mode != "BatchAccountManagedIdentity":
        return []
    found = []
    for suffix, principal in _account_principals(name, account, batch_identity):
        found.append(
            _assignment(
                f"{name}-storage-contributor{suffix}",
                storage_account_id,
                principal,
                STORAGE_BLOB_DATA_CONTRIBUTOR,
                opts,
            )
        )
    node_identity = account.auto_storage.node_identity
    if node_identity:  # the config requires it in this mode
        node = managedidentity.UserAssignedIdentity.get(f"{name}-node-identity", node_identity, opts=opts)
        found.append(
            _assignment(
                f"{name}-storage-node-reader",
                storage_account_id,
                node.principal_id,
                STORAGE_BLOB_DATA_READER,
                opts,
            )
        )
    return found


def _account_principals(
    name: str, account: AccountConfig, batch_identity: pulumi.Output[Any]
) -> list[tuple[str, pulumi.Output[str]]]:
    """(child-name suffix, principal id) of each identity the Batch account itself holds."""
    if account.identity.type == "SystemAssigned":
        return [("", batch_identity.apply(lambda identity: identity.principal_id))]
    return [
        (f"-{identity_short_name(ident)}", _user_principal(ident, batch_identity))
        for ident in account.identity.user_assigned_identities
    ]


def _user_principal(identity_id: str, batch_identity: pulumi.Output[Any]) -> pulumi.Output[str]:
    # Azure answers the account's identity list with a map id -> {principalId, clientId}, ids maybe re-cased.
    def pick(identity: Any) -> str:
        assigned = {k.lower(): v for k, v in (identity.user_assigned_identities or {}).items()}
        return assigned[identity_id.lower()].principal_id

    return batch_identity.apply(pick)


def _assignment(
    resource_name: str,
    scope: pulumi.Output[str],
    principal: pulumi.Input[str],
    role: str,
    opts: pulumi.ResourceOptions,
) -> authorization.RoleAssignment:
    return authorization.RoleAssignment(
        resource_name,
        scope=scope,
        principal_id=principal,
        principal_type="ServicePrincipal",  # managed identities are service principals
        role_definition_id=scope.apply(lambda s: role_definition_id(s, role)),
        role_assignment_name=pulumi.Output.all(scope, principal).apply(lambda parts: _name(*parts, role)),
        opts=opts,
    )


def _name(scope: str, principal: str | None, role: str) -> str | None:
    # Azure always reports the principal of an identity it holds; only a plan without Azure (Pulumi's mocks)
    # lacks it, and that plan never creates the assignment.
    return role_assignment_name(scope, principal, role) if principal else None
