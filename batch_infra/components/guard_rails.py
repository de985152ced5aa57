"""GuardRails: diagnostic settings (and their Log Analytics workspace), management locks, role assignments.

Locks are retained on delete: `pulumi destroy` then stops at the first locked resource with Azure's
ScopeLocked error instead of quietly removing the lock first, which is what a lock is for. Lifting one is a
deliberate step outside the stack (README, "Locks").
"""

from __future__ import annotations

from typing import TypedDict

import pulumi
from pulumi_azure_native import authorization, monitor, operationalinsights

from batch_infra.components.storage_roles import role_assignment_name, role_definition_id
from batch_infra.config.security import LOG_CATEGORY_GROUPS, DiagnosticSettings, Lock, RoleAssignment

TYPE = "batch-infra:guardrails:GuardRails"
DIAGNOSTIC_SETTING_NAME = "batch-infra"
SCOPE_LABELS = {"resourceGroup": "rg", "batchAccount": "batch", "storageAccount": "storage"}


class GuardRailsArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    """Required. Where a created workspace lives."""
    location: str
    """Required. Region of a created workspace."""
    workspace_name: str
    """Required. Name of a created workspace."""
    scopes: dict[str, pulumi.Input[str]]
    """Required. resourceGroup / batchAccount / storageAccount -> resource id (what locks and roles name)."""
    diagnostic_settings: DiagnosticSettings | None
    """Optional. The Batch account's diagnostic setting."""
    locks: list[Lock]
    """Required (may be empty). Locks by scope."""
    role_assignments: list[RoleAssignment]
    """Required (may be empty). Built-in roles for principals."""
    tags: dict[str, str]
    """Required. Tags for a created workspace."""


def log_entries(settings: DiagnosticSettings) -> list[dict[str, object]]:
    """Azure's logs list: category groups (allLogs, audit) and single categories are written differently."""
    return [
        {"category_group": item, "enabled": True}
        if item in LOG_CATEGORY_GROUPS
        else {"category": item, "enabled": True}
        for item in settings.logs
    ]


class GuardRails(pulumi.ComponentResource):
    """What keeps an environment observable and hard to break: logs, locks, access."""

    workspace_id: pulumi.Output[str | None]
    """The Log Analytics workspace the diagnostic logs go to (created or existing), or None."""

    def __init__(self, name: str, args: GuardRailsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.workspace_id = pulumi.Output.from_input(self._diagnostics(name, args, child))
        for lock in args["locks"]:
            authorization.ManagementLockByScope(
                f"{name}-lock-{lock.scope}",
                lock_name=f"batch-infra-{lock.level.lower()}",
                scope=args["scopes"][lock.scope],
                level=lock.level,
                notes=lock.notes,
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
            )
        for assignment in args["role_assignments"]:
            self._role(name, assignment, args["scopes"][assignment.scope], child)
        self.register_outputs({"workspace_id": self.workspace_id})

    def _diagnostics(
        self, name: str, args: GuardRailsArgs, child: pulumi.ResourceOptions
    ) -> pulumi.Input[str] | None:
        settings = args["diagnostic_settings"]
        if settings is None:
            return None
        workspace_id: pulumi.Input[str] | None = settings.workspace_id
        if settings.workspace is not None:
            workspace = operationalinsights.Workspace(
                f"{name}-workspace",
                workspace_name=args["workspace_name"],
                resource_group_name=args["resource_group_name"],
                location=args["location"],
                sku={"name": settings.workspace.sku},
                retention_in_days=settings.workspace.retention_in_days,
                tags=args["tags"],
                opts=child,
            )
            workspace_id = workspace.id
        monitor.DiagnosticSetting(
            f"{name}-diagnostics",
            name=DIAGNOSTIC_SETTING_NAME,
            resource_uri=args["scopes"]["batchAccount"],
            workspace_id=workspace_id,
            storage_account_id=settings.storage_account_id,
            logs=log_entries(settings),
            metrics=[{"category": m, "enabled": True} for m in settings.metrics],
            opts=child,
        )
        return workspace_id

    def _role(
        self, name: str, assignment: RoleAssignment, scope: pulumi.Input[str], child: pulumi.ResourceOptions
    ) -> None:
        role = assignment.role_definition_guid()
        scope_out = pulumi.Output.from_input(scope)
        # Short enough for preflight's 80-column tree; unique per (scope, principal, role).
        authorization.RoleAssignment(
            f"{name}-role-{SCOPE_LABELS[assignment.scope]}-{assignment.principal_id[:8]}-{role[:8]}",
            role_assignment_name=scope_out.apply(
                lambda s: role_assignment_name(s, assignment.principal_id, role)
            ),
            scope=scope,
            principal_id=assignment.principal_id,
            principal_type=assignment.principal_type,
            role_definition_id=scope_out.apply(lambda s: role_definition_id(s, role)),
            opts=child,
        )
