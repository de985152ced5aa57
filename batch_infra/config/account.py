"""Config of the Batch account and its auto-storage account: allocation mode, access, identity, auth modes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import field_validator, model_validator

from batch_infra.config.base import Model, invalid, retired
from batch_infra.config.private_access import (
    BatchPrivateEndpoint,
    BlobPrivateEndpoint,
    Encryption,
    NetworkAcls,
    NetworkProfile,
)
from batch_infra.config.security import DiagnosticSettings, storage_account_id

USER_ASSIGNED_IDENTITY_HINT = (
    "/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>"
)


def check_identity_id(value: str) -> str:
    if "/providers/microsoft.managedidentity/userassignedidentities/" not in value.lower():
        raise invalid(f"{value!r} is not a user-assigned managed identity resource id",
                      f"use {USER_ASSIGNED_IDENTITY_HINT}")
    return value


class KeyVaultReference(Model):
    """Conditional. Required in UserSubscription mode: the vault Batch uses for its VMs' secrets."""

    id: str
    url: str

    @field_validator("url")
    @classmethod
    def _vault_url(cls, value: str) -> str:
        if not value.startswith("https://") or ".vault." not in value:
            raise invalid(f"{value!r} is not a Key Vault URL", "use https://<vault>.vault.azure.net/")
        return value


class AccountIdentity(Model):
    type: Literal["None", "SystemAssigned", "UserAssigned"] = "None"
    user_assigned_identities: list[str] = []

    @field_validator("user_assigned_identities")
    @classmethod
    def _ids(cls, value: list[str]) -> list[str]:
        return [check_identity_id(v) for v in value]

    @model_validator(mode="after")
    def _consistent(self) -> AccountIdentity:
        if self.type == "UserAssigned" and not self.user_assigned_identities:
            raise invalid("identity type UserAssigned lists no userAssignedIdentities",
                          "add at least one identity id", at="userAssignedIdentities")
        if self.type != "UserAssigned" and self.user_assigned_identities:
            raise invalid(f"identity type {self.type} cannot carry userAssignedIdentities",
                          "set type: UserAssigned", at="type")
        return self


class AutoStorageConfig(Model):
    authentication_mode: Literal["StorageKeys", "BatchAccountManagedIdentity"] = "StorageKeys"
    # The user-assigned identity pools use to reach auto-storage when the mode is BatchAccountManagedIdentity.
    node_identity: str | None = None
    # An existing storage account (landing zone); the stack then creates none and never deletes it.
    storage_account_id: str | None = None
    public_network_access: Literal["Enabled", "Disabled"] = "Enabled"
    network_acls: NetworkAcls = NetworkAcls()
    private_endpoints: list[BlobPrivateEndpoint] = []

    @field_validator("storage_account_id")
    @classmethod
    def _existing(cls, value: str | None) -> str | None:
        return storage_account_id(value)

    @field_validator("private_endpoints")
    @classmethod
    def _one_blob_endpoint(cls, value: list[BlobPrivateEndpoint]) -> list[BlobPrivateEndpoint]:
        if len(value) > 1:
            raise invalid("more than one blob private endpoint", "keep one entry", at=1)
        return value

    @field_validator("node_identity")
    @classmethod
    def _node_identity(cls, value: str | None) -> str | None:
        return check_identity_id(value) if value is not None else None

    @model_validator(mode="after")
    def _needs_node_identity(self) -> AutoStorageConfig:
        if self.authentication_mode == "BatchAccountManagedIdentity" and not self.node_identity:
            raise invalid(
                "authenticationMode BatchAccountManagedIdentity needs nodeIdentity",
                "set account.autoStorage.nodeIdentity to the user-assigned identity "
                "the pools use for auto-storage",
                at="nodeIdentity",
            )
        return self


class AccountConfig(Model):
    """Required. The Batch account and how it is reached."""

    pool_allocation_mode: Literal["BatchService", "UserSubscription"] = "BatchService"
    public_network_access: Literal["Enabled", "Disabled", "SecuredByPerimeter"] = "Enabled"
    allowed_authentication_modes: list[Literal["SharedKey", "AAD", "TaskAuthenticationToken"]] = [
        "SharedKey", "AAD"
    ]
    auto_storage: AutoStorageConfig = AutoStorageConfig()
    identity: AccountIdentity = AccountIdentity()
    key_vault_reference: KeyVaultReference | None = None
    network_profile: NetworkProfile | None = None
    private_endpoints: list[BatchPrivateEndpoint] = []
    encryption: Encryption = Encryption()
    diagnostic_settings: DiagnosticSettings | None = None

    @field_validator("private_endpoints")
    @classmethod
    def _one_endpoint_per_group(cls, value: list[BatchPrivateEndpoint]) -> list[BatchPrivateEndpoint]:
        seen: set[str] = set()
        for index, endpoint in enumerate(value):
            if endpoint.group_id in seen:
                raise invalid(f"a second private endpoint for groupId {endpoint.group_id}",
                              "keep one entry per groupId", at=[index, "groupId"])
            seen.add(endpoint.group_id)
        return value

    @field_validator("allowed_authentication_modes")
    @classmethod
    def _auth_modes(cls, value: list[str]) -> list[str]:
        if "TaskAuthenticationToken" in value:
            raise retired("Task authentication tokens", "2024-09-30",
                          "remove TaskAuthenticationToken; tasks authenticate with managed identities")
        if not value:
            raise invalid("allowedAuthenticationModes is empty", "allow at least AAD")
        if len(set(value)) != len(value):
            raise invalid("allowedAuthenticationModes lists a mode twice", "list each mode once")
        return value

    @model_validator(mode="after")
    def _mode_requirements(self) -> AccountConfig:
        if self.pool_allocation_mode == "UserSubscription" and self.key_vault_reference is None:
            raise invalid(
                "poolAllocationMode UserSubscription needs keyVaultReference",
                "add account.keyVaultReference {id, url} of a vault "
                "the Microsoft Azure Batch principal can access",
                at="keyVaultReference",
            )
        if (self.auto_storage.authentication_mode == "BatchAccountManagedIdentity"
                and self.identity.type == "None"):
            raise invalid(
                "auto-storage authenticationMode BatchAccountManagedIdentity needs an account identity",
                "set account.identity.type to SystemAssigned or UserAssigned",
                at=["identity", "type"],
            )
        if self.encryption.customer_managed() and self.identity.type == "None":
            raise invalid(
                "a customer-managed key (encryption keySource Microsoft.KeyVault) is read with the account's "
                "managed identity, and the account has none",
                "set account.identity.type to SystemAssigned or UserAssigned and grant it the key "
                "(Key Vault Crypto Service Encryption User)",
                at=["identity", "type"],
            )
        return self

    def has_private_endpoint(self, group_id: str) -> bool:
        return any(e.group_id == group_id for e in self.private_endpoints)

    def public_access(self, endpoint: Literal["accountAccess", "nodeManagementAccess"]) -> str:
        """'open' (anyone), 'restricted' (ipRules only) or 'closed' (private endpoints only)."""
        if self.public_network_access != "Enabled":
            return "closed"
        profile = self.network_profile
        access = None if profile is None else (
            profile.account_access if endpoint == "accountAccess" else profile.node_management_access
        )
        if access is None or access.open_to_all():
            return "open"
        return "restricted" if access.ip_rules else "closed"

    def shared_key_allowed(self) -> bool:
        return "SharedKey" in self.allowed_authentication_modes

    def summary(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, mode="json")
