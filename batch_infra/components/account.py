"""BatchAccount: the StorageV2 auto-storage account (or an existing one), the Batch account, their roles."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

import pulumi
from pulumi_azure_native import batch, storage

from batch_infra.components.storage_roles import auto_storage_role_assignments
from batch_infra.config.account import AccountConfig
from batch_infra.config.private_access import NetworkAcls

TYPE = "batch-infra:account:BatchAccount"


class BatchAccountArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    """Required. The resource group both accounts live in."""
    location: str
    """Required. Azure region of both accounts."""
    storage_account_name: str
    """Required. Name of the auto-storage account (3-24 lowercase letters and digits)."""
    batch_account_name: str
    """Required. Name of the Batch account (3-24 lowercase letters and digits)."""
    account: AccountConfig
    """Required. Validated allocation mode, access, authentication modes, identity, auto-storage settings."""
    tags: dict[str, str]
    """Required. Tags for both accounts."""
    protect: NotRequired[bool]
    """Optional. Pulumi's `protect` on both accounts (policies.protectStatefulResources)."""
    retain_on_delete: NotRequired[bool]
    """Optional. Pulumi's `retainOnDelete` on both accounts (policies.retainOnDelete)."""


def auto_storage_properties(account: AccountConfig, storage_account_id: pulumi.Input[str]) -> dict[str, Any]:
    """The Batch account's autoStorage block: which account, and how nodes authenticate to it."""
    properties: dict[str, Any] = {
        "storage_account_id": storage_account_id,
        "authentication_mode": account.auto_storage.authentication_mode,
    }
    if account.auto_storage.node_identity:
        properties["node_identity_reference"] = {"resource_id": account.auto_storage.node_identity}
    return properties


def network_profile_properties(account: AccountConfig) -> dict[str, Any] | None:
    """Batch networkProfile in azure-native's names; None leaves Azure's default (both endpoints open)."""
    profile = account.network_profile
    if profile is None:
        return None
    result: dict[str, Any] = {}
    for key, access in (
        ("account_access", profile.account_access),
        ("node_management_access", profile.node_management_access),
    ):
        if access is not None:
            result[key] = {
                "default_action": access.default_action,
                "ip_rules": [{"action": r.action, "value": r.value} for r in access.ip_rules],
            }
    return result


def encryption_properties(account: AccountConfig) -> dict[str, Any] | None:
    """Only a customer-managed key is sent: Microsoft-managed is Azure's default, and leaving it unsent keeps
    stacks deployed before encryption was configurable free of a diff."""
    encryption = account.encryption
    if not encryption.customer_managed():
        return None
    result: dict[str, Any] = {"key_source": encryption.key_source}
    if encryption.key_vault_properties is not None:
        result["key_vault_properties"] = {"key_identifier": encryption.key_vault_properties.key_identifier}
    return result


def storage_network_properties(account: AccountConfig) -> dict[str, Any]:
    """publicNetworkAccess and networkAcls of the auto-storage account the stack creates."""
    auto = account.auto_storage
    if auto.public_network_access == "Enabled" and auto.network_acls == NetworkAcls():
        return {}  # Azure's defaults; unsent so existing stacks show no diff
    return {
        "public_network_access": auto.public_network_access,
        "network_rule_set": {
            "default_action": auto.network_acls.default_action,
            "bypass": auto.network_acls.bypass,
            "ip_rules": [
                {"action": r.action, "ip_address_or_range": r.value} for r in auto.network_acls.ip_rules
            ],
        },
    }


def identity_properties(account: AccountConfig) -> dict[str, Any]:
    identity: dict[str, Any] = {"type": account.identity.type}
    if account.identity.user_assigned_identities:
        identity["user_assigned_identities"] = list(account.identity.user_assigned_identities)
    return identity


class BatchAccount(pulumi.ComponentResource):
    """A Batch account with its auto-storage account; exposes names, ids and the endpoint, never keys."""

    storage_account_name: pulumi.Output[str]
    """The auto-storage account's name."""
    storage_account_id: pulumi.Output[str]
    """The auto-storage account's resource id."""
    batch_account_name: pulumi.Output[str]
    """The Batch account's name."""
    batch_account_id: pulumi.Output[str]
    """The Batch account's resource id."""
    account_endpoint: pulumi.Output[str]
    """The Batch data-plane endpoint, e.g. contosoprodbatch.westeurope.batch.azure.com."""

    def __init__(self, name: str, args: BatchAccountArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # What holds data or cannot be recreated under the same name: the stack policy may protect it.
        stateful = pulumi.ResourceOptions(
            parent=self,
            protect=args.get("protect", False),
            retain_on_delete=args.get("retain_on_delete", False),
        )
        account = args["account"]
        storage_id, storage_name = self._storage(name, args, stateful)
        batch_account = batch.BatchAccount(
            f"{name}-batch",
            account_name=args["batch_account_name"],
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            pool_allocation_mode=account.pool_allocation_mode,
            public_network_access=account.public_network_access,
            network_profile=network_profile_properties(account),
            encryption=encryption_properties(account),
            allowed_authentication_modes=list(account.allowed_authentication_modes),
            auto_storage=auto_storage_properties(account, storage_id),
            identity=identity_properties(account),
            key_vault_reference=(
                {"id": account.key_vault_reference.id, "url": account.key_vault_reference.url}
                if account.key_vault_reference
                else None
            ),
            tags=args["tags"],
            opts=stateful,
        )
        # Managed-identity auto-storage: blob roles on the storage account (storage_roles docs why).
        self.role_assignments = auto_storage_role_assignments(
            name,
            account=account,
            storage_account_id=storage_id,
            batch_identity=batch_account.identity,
            opts=child,
        )
        self.storage_account_name = pulumi.Output.from_input(storage_name)
        self.storage_account_id = pulumi.Output.from_input(storage_id)
        self.batch_account_name = batch_account.name
        self.batch_account_id = batch_account.id
        self.account_endpoint = batch_account.account_endpoint
        self.register_outputs(
            {
                "storage_account_name": self.storage_account_name,
                "storage_account_id": self.storage_account_id,
                "batch_account_name": self.batch_account_name,
                "batch_account_id": self.batch_account_id,
                "account_endpoint": self.account_endpoint,
            }
        )

    def _storage(
        self, name: str, args: BatchAccountArgs, stateful: pulumi.ResourceOptions
    ) -> tuple[pulumi.Input[str], pulumi.Input[str]]:
        """(id, name) of the auto-storage account: the one storageAccountId names, else a new one."""
        existing = args["account"].auto_storage.storage_account_id
        if existing is not None:
            return existing, existing.rsplit("/", 1)[1]
        auto_storage = storage.StorageAccount(
            f"{name}-storage",
            account_name=args["storage_account_name"],
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            kind="StorageV2",
            sku={"name": "Standard_LRS"},
            enable_https_traffic_only=True,
            minimum_tls_version="TLS1_2",
            allow_blob_public_access=False,
            **storage_network_properties(args["account"]),
            tags=args["tags"],
            opts=stateful,
        )
        return auto_storage.id, auto_storage.name
