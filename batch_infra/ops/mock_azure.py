"""What Azure would answer under Pulumi's mock runtime: ARM ids, names and computed outputs per type."""

from __future__ import annotations

from typing import Any

import pulumi

# A placeholder subscription: mock ids look like Azure's, and say plainly that they are not real.
MOCK_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"

# type token -> (input key holding the resource's Azure name, ARM id path under the resource group).
ARM_TYPES: dict[str, tuple[str, str]] = {
    "azure-native:resources:ResourceGroup": ("resourceGroupName", ""),
    "azure-native:network:VirtualNetwork": (
        "virtualNetworkName",
        "/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}",
    ),
    "azure-native:network:Subnet": (
        "subnetName",
        "/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}",
    ),
    "azure-native:network:NetworkSecurityGroup": (
        "networkSecurityGroupName",
        "/providers/Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}",
    ),
    "azure-native:storage:StorageAccount": (
        "accountName",
        "/providers/Microsoft.Storage/storageAccounts/{accountName}",
    ),
    "azure-native:batch:BatchAccount": (
        "accountName",
        "/providers/Microsoft.Batch/batchAccounts/{accountName}",
    ),
    "azure-native:batch:Application": (
        "applicationName",
        "/providers/Microsoft.Batch/batchAccounts/{accountName}/applications/{applicationName}",
    ),
    # Named by another resource's id or name (a diagnostic setting's workspaceId, a zone group's zone id, a
    # link's zone name): without them here preflight would compare Azure's id with a placeholder.
    "azure-native:operationalinsights:Workspace": (
        "workspaceName",
        "/providers/Microsoft.OperationalInsights/workspaces/{workspaceName}",
    ),
    "azure-native:privatedns:PrivateZone": (
        "privateZoneName",
        "/providers/Microsoft.Network/privateDnsZones/{privateZoneName}",
    ),
    "azure-native:privatedns:VirtualNetworkLink": (
        "virtualNetworkLinkName",
        "/providers/Microsoft.Network/privateDnsZones/{privateZoneName}/virtualNetworkLinks/{virtualNetworkLinkName}",
    ),
    "azure-native:network:PrivateEndpoint": (
        "privateEndpointName",
        "/providers/Microsoft.Network/privateEndpoints/{privateEndpointName}",
    ),
    "azure-native:network:PrivateDnsZoneGroup": (
        "privateDnsZoneGroupName",
        "/providers/Microsoft.Network/privateEndpoints/{privateEndpointName}/privateDnsZoneGroups/"
        "{privateDnsZoneGroupName}",
    ),
}


def arm_id(type_token: str, inputs: dict[str, Any]) -> str:
    """The resource id Azure would assign, built from the inputs the program declared."""
    _, path = ARM_TYPES[type_token]
    group = f"/subscriptions/{MOCK_SUBSCRIPTION}/resourceGroups/{inputs['resourceGroupName']}"
    return group + path.format(**inputs)


POOL = "pulumi-python:dynamic/pool:Pool"


def pool_arm_id(inputs: dict[str, Any]) -> str:
    account = arm_id("azure-native:batch:BatchAccount", inputs)
    return f"{account}/pools/{inputs['id']}"


def mock_outputs(type_token: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(id, outputs) for one registered resource; unknown custom types (dynamic providers) echo inputs."""
    if type_token == POOL:  # the pool provider's azureId output: the pool's ARM id
        return f"{name}-id", {**inputs, "azureId": pool_arm_id(inputs)}
    if type_token not in ARM_TYPES:
        return f"{name}-id", dict(inputs)
    name_key, _ = ARM_TYPES[type_token]
    outputs = dict(inputs)
    outputs["name"] = inputs[name_key]
    outputs["id"] = arm_id(type_token, inputs)
    identity = inputs.get("identity")
    if isinstance(identity, dict) and isinstance(identity.get("userAssignedIdentities"), list):
        # Azure answers a list of identity ids with a map: id -> that identity's principal and client ids.
        outputs["identity"] = {
            **identity,
            "userAssignedIdentities": {
                ident: {"principalId": MOCK_SUBSCRIPTION, "clientId": MOCK_SUBSCRIPTION}
                for ident in identity["userAssignedIdentities"]
            },
        }
    if type_token == "azure-native:batch:BatchAccount":
        outputs["accountEndpoint"] = f"{inputs['accountName']}.{inputs['location']}.batch.azure.com"
    return outputs["id"], outputs


class AzureMocks(pulumi.runtime.Mocks):
    """Answers registrations the way Azure would name and identify them; invokes are refused loudly."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        if not args.custom:
            return None, {}
        return mock_outputs(args.typ, args.name, args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        # The program is meant to declare resources only; an invoke would need Azure, so say which one.
        return {}, [("", f"the mock runtime cannot answer invoke {args.token}; preflight runs without Azure")]
