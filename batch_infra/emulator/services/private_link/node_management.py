"""Can a pool's nodes reach the account's node management endpoint (simplified node communication)?

Sources: "Use private endpoints with Azure Batch accounts" (the nodeManagement sub-resource is what pool
nodes use with simplified communication), "Configure public network access with Batch accounts" (node
management is a public endpoint with its own access rules; Disabled requires private endpoints),
"Create a simplified node communication pool without public IP addresses" (such a pool needs the
nodeManagement private endpoint in its VNet, or public node management plus outbound access). A node that
cannot reach it never leaves the unusable state.
"""

from __future__ import annotations

from typing import Any

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.services.private_link import dns


def unreachable_because(ctx: EmulatorContext, account: dict[str, Any], pool: dict[str, Any]) -> str | None:
    """None when the pool's nodes reach node management, else why not (what a user must fix)."""
    network = pool["properties"].get("networkConfiguration") or {}
    subnet = network.get("subnetId")
    if subnet and dns.resolves_privately(
        ctx, subnet.lower().rsplit("/subnets/", 1)[0], account["id"], "nodeManagement"
    ):
        return None
    props = account["properties"]
    if props.get("publicNetworkAccess", "Enabled") != "Enabled":
        return (
            "public network access is disabled and the pool's VNet resolves no nodeManagement private "
            "endpoint of the account"
        )
    access = (props.get("networkProfile") or {}).get("nodeManagementAccess") or {}
    provisioning = (network.get("publicIPAddressConfiguration") or {}).get("provision", "BatchManaged")
    if access.get("defaultAction") == "Deny" and provisioning != "UserManaged":
        return (
            "networkProfile.nodeManagementAccess denies the nodes' addresses and the pool's VNet resolves "
            "no nodeManagement private endpoint"
        )
    return None
