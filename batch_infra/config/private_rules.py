"""Rules spanning account, network and pools that keep a private environment deployable and its pools usable.

Sources: "Configure public network access with Azure Batch accounts" (Disabled: private endpoints are
required to reach the account and node management endpoints), "Use private endpoints with Azure Batch
accounts" (the nodeManagement sub-resource serves simplified node communication), "Create a simplified node
communication pool without public IP addresses" (such pools need the nodeManagement private endpoint, or
public node management access and outbound access).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from batch_infra.config.stack import StackConfig

Problem = tuple[str, str]
ENDPOINT_FIX = (
    "add account.privateEndpoints: [{groupId: nodeManagement}] (with network.privateEndpointSubnetPrefix), "
    "or open node management (publicNetworkAccess: Enabled, networkProfile.nodeManagementAccess "
    "defaultAction: Allow)"
)


def private_problems(config: StackConfig) -> list[Problem]:
    return [
        *_unusable_pools(config),
        *_unreachable_image_lookups(config),
        *_endpoints_without_subnet(config),
        *_unreachable_package_uploads(config),
        *_read_only_locks(config),
    ]


def _unusable_pools(config: StackConfig) -> list[Problem]:
    """Pools whose nodes could never reach Batch node management, so they would never become usable."""
    account = config.account
    access = account.public_access("nodeManagementAccess")
    if access == "open":
        return []
    has_endpoint = account.has_private_endpoint("nodeManagement")
    problems: list[Problem] = []
    for index, pool in enumerate(config.pools):
        network = pool.network
        why = None
        if network.subnet == "none":
            if has_endpoint:
                why = "its nodes join no VNet, so they cannot use the nodeManagement private endpoint"
            else:
                why = f"node management is {access} to the public and the pool joins no VNet"
        elif not has_endpoint and network.public_ip_provisioning == "NoPublicIPAddresses":
            why = (
                f"it has no public IPs, node management is {access} to the public and there is no "
                "nodeManagement private endpoint"
            )
        elif not has_endpoint and (access == "closed" or network.public_ip_provisioning == "BatchManaged"):
            why = (
                f"node management is {access} to the public (its nodes' addresses are not in ipRules) and "
                "there is no nodeManagement private endpoint"
            )
        if why:
            fix = (
                "set network.subnet: environment"
                if network.subnet == "none" and has_endpoint
                else ENDPOINT_FIX
            )
            problems.append(
                (
                    f"pools[{index}].network",
                    f"the nodes of pool {pool.id!r} would stay unusable: {why}; fix: {fix}",
                )
            )
    return problems


def _unreachable_image_lookups(config: StackConfig) -> list[Problem]:
    """The pool provider runs where Pulumi runs; a private account endpoint is out of its reach."""
    if config.account.public_access("accountAccess") != "closed":
        return []
    return [
        (
            f"pools[{index}].image.pinned",
            f"the account endpoint is private, so the deployer cannot list the supported images of pool "
            f"{pool.id!r}; fix: pin the image (image.pinned: publisher, offer, sku, version, nodeAgentSkuId; "
            "`batch-infra images` run inside the network lists them), or let the deploying machine in "
            "(publicNetworkAccess: Enabled and its address in networkProfile.accountAccess.ipRules)",
        )
        for index, pool in enumerate(config.pools)
        if pool.image.pinned is None
    ]


def _unreachable_package_uploads(config: StackConfig) -> list[Problem]:
    """Application packages are uploaded to auto-storage by the package provider, where Pulumi runs."""
    auto = config.account.auto_storage
    if not any(app.packages for app in config.applications) or auto.storage_account_id is not None:
        return []
    fix = (
        "fix: keep publicNetworkAccess Enabled with networkAcls defaultAction: Deny and the deploying "
        "machine's address in networkAcls.ipRules (nodes still use the blob private endpoint)"
    )
    if auto.public_network_access == "Disabled":
        return [
            (
                "account.autoStorage.publicNetworkAccess",
                "auto-storage refuses every public caller, so the package provider cannot upload application "
                f"packages from the deploying machine; {fix}",
            )
        ]
    if auto.network_acls.default_action == "Deny" and not auto.network_acls.ip_rules:
        return [
            (
                "account.autoStorage.networkAcls.ipRules",
                f"networkAcls denies every public address, so application packages cannot be uploaded; {fix}",
            )
        ]
    return []


def _endpoints_without_subnet(config: StackConfig) -> list[Problem]:
    wanted = bool(config.account.private_endpoints or config.account.auto_storage.private_endpoints)
    if not wanted or config.network.has_endpoint_subnet():
        return []
    key = (
        "network.privateEndpointSubnetPrefix"
        if config.network.creates_network()
        else ("network.privateEndpointSubnetId")
    )
    return [
        (
            key,
            "private endpoints need a subnet of their own and none is configured; "
            f"fix: set {key} (e.g. 10.30.64.0/24 inside addressSpace)",
        )
    ]


def _read_only_locks(config: StackConfig) -> list[Problem]:
    """A ReadOnly lock refuses every write below it, POSTs such as listKeys included (Azure's lock docs)."""
    problems: list[Problem] = []
    for index, lock in enumerate(config.locks):
        if lock.level != "ReadOnly":
            continue
        if lock.scope in ("resourceGroup", "batchAccount") and (config.pools or config.applications):
            problems.append(
                (
                    f"locks[{index}].level",
                    f"a ReadOnly lock on {lock.scope} refuses the writes of pools and application "
                    "packages below it; fix: use level: CanNotDelete",
                )
            )
        elif (
            lock.scope == "storageAccount"
            and config.account.auto_storage.authentication_mode == "StorageKeys"
        ):
            problems.append(
                (
                    f"locks[{index}].level",
                    "a ReadOnly lock on the auto-storage account refuses listKeys, which Batch needs "
                    "with authenticationMode StorageKeys; fix: use level: CanNotDelete",
                )
            )
    return problems
