"""Config of an environment's guard rails: diagnostic settings, management locks, role assignments."""

from __future__ import annotations

import re
import uuid
from typing import Literal

from pydantic import Field, field_validator, model_validator

from batch_infra.config.base import Model, invalid

# Resource log categories Azure Monitor lists for Microsoft.Batch/batchAccounts, and its category groups.
BATCH_LOG_CATEGORIES = ("ServiceLog", "ServiceLogs", "AuditLog")
LOG_CATEGORY_GROUPS = ("allLogs", "audit")
# Built-in role ids are the same GUID in every tenant ("Azure built-in roles"; storage_roles uses two more).
BUILT_IN_ROLES: dict[str, str] = {
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Azure Batch Account Contributor": "29fe4964-1e60-436b-bd3a-77fd4c178b3c",
    "Azure Batch Account Reader": "11076f67-66f6-4be0-8f6b-f0609fd05cc9",
    "Azure Batch Data Contributor": "6aaa78f1-f7de-44ca-8722-c64a23943cae",
    "Azure Batch Job Submitter": "48e5e92e-a480-4e71-aa9c-2778f4c13781",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
}
_WORKSPACE_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.OperationalInsights/workspaces/[^/]+$",
    re.IGNORECASE,
)
_STORAGE_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Storage/storageAccounts/[a-z0-9]{3,24}$",
    re.IGNORECASE,
)
LockScope = Literal["resourceGroup", "batchAccount", "storageAccount"]


def workspace_id(value: str | None) -> str | None:
    if value is not None and not _WORKSPACE_ID.match(value):
        raise invalid(
            f"{value!r} is not a Log Analytics workspace resource id",
            "use /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/"
            "workspaces/<name>",
        )
    return value


def storage_account_id(value: str | None) -> str | None:
    if value is not None and not _STORAGE_ID.match(value):
        raise invalid(
            f"{value!r} is not a storage account resource id",
            "use /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Storage/storageAccounts/<name>",
        )
    return value


class Workspace(Model):
    """A Log Analytics workspace the stack creates for its diagnostic logs."""

    sku: Literal["PerGB2018", "CapacityReservation"] = "PerGB2018"
    retention_in_days: int = Field(30, ge=30, le=730)


class DiagnosticSettings(Model):
    """Optional. Where the Batch account's logs and metrics go: Log Analytics and/or a storage account."""

    logs: list[str] = ["allLogs"]
    metrics: list[Literal["AllMetrics"]] = ["AllMetrics"]
    workspace: Workspace | None = None  # created by the stack
    workspace_id: str | None = None  # an existing workspace (landing zone)
    storage_account_id: str | None = None  # an existing archive account

    @field_validator("logs")
    @classmethod
    def _logs(cls, value: list[str]) -> list[str]:
        known = (*BATCH_LOG_CATEGORIES, *LOG_CATEGORY_GROUPS)
        for item in value:
            if item not in known:
                raise invalid(
                    f"{item!r} is not a Batch log category or category group",
                    f"use any of {', '.join(known)}",
                )
        if len(set(value)) != len(value):
            raise invalid("logs lists a category twice", "list each category once")
        return value

    @field_validator("workspace_id")
    @classmethod
    def _workspace(cls, value: str | None) -> str | None:
        return workspace_id(value)

    @field_validator("storage_account_id")
    @classmethod
    def _storage(cls, value: str | None) -> str | None:
        return storage_account_id(value)

    @model_validator(mode="after")
    def _destination(self) -> DiagnosticSettings:
        if self.workspace is not None and self.workspace_id is not None:
            raise invalid(
                "diagnosticSettings names both workspace (create one) and workspaceId (existing)",
                "keep one of them",
                at="workspaceId",
            )
        if self.workspace is None and self.workspace_id is None and self.storage_account_id is None:
            raise invalid(
                "diagnosticSettings has no destination, so Azure would refuse the setting",
                "add workspace: {} (the stack creates one), workspaceId or storageAccountId",
                at="workspace",
            )
        if not self.logs and not self.metrics:
            raise invalid(
                "diagnosticSettings sends neither logs nor metrics", "add logs: [allLogs]", at="logs"
            )
        return self

    def to_log_analytics(self) -> bool:
        return self.workspace is not None or self.workspace_id is not None


class Lock(Model):
    """A management lock: CanNotDelete (no deletes) or ReadOnly (no writes either) on one resource."""

    scope: LockScope
    level: Literal["CanNotDelete", "ReadOnly"] = "CanNotDelete"
    notes: str = Field("Managed by batch-infra; see the README to lift it", max_length=512)


class RoleAssignment(Model):
    """A built-in role for a principal on one of the environment's resources."""

    principal_id: str
    role_definition_name: str
    principal_type: Literal["User", "Group", "ServicePrincipal"] = "ServicePrincipal"
    scope: LockScope = "batchAccount"

    @field_validator("principal_id")
    @classmethod
    def _principal(cls, value: str) -> str:
        try:
            uuid.UUID(value)
        except ValueError as err:
            raise invalid(
                f"{value!r} is not an object id (GUID)",
                "use the principal's object id, e.g. from az ad sp show --query id",
            ) from err
        return value.lower()

    @field_validator("role_definition_name")
    @classmethod
    def _role(cls, value: str) -> str:
        if value not in BUILT_IN_ROLES:
            raise invalid(
                f"{value!r} is not a built-in role batch-infra knows",
                f"use one of: {', '.join(BUILT_IN_ROLES)}",
            )
        return value

    def role_definition_guid(self) -> str:
        return BUILT_IN_ROLES[self.role_definition_name]


def unique_locks(value: list[Lock]) -> list[Lock]:
    seen: set[str] = set()
    for index, lock in enumerate(value):
        if lock.scope in seen:
            raise invalid(
                f"a second lock on {lock.scope}",
                "keep one lock per scope (ReadOnly includes CanNotDelete)",
                at=[index, "scope"],
            )
        seen.add(lock.scope)
    return value
