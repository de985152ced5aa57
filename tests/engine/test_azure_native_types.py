"""AzureNativeProvider against the session emulator: network, applications, identities, role assignments."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.azure_native import AzureNativeProvider
from tests.engine.resource_provider import ProviderError
from tests.engine.test_azure_native_core import LOCATION, RG, up, urn

VNET = "azure-native:network:VirtualNetwork"
SUBNET = "azure-native:network:Subnet"
NSG = "azure-native:network:NetworkSecurityGroup"
APP = "azure-native:batch:Application"
BA = "azure-native:batch:BatchAccount"
SA = "azure-native:storage:StorageAccount"
UAI = "azure-native:managedidentity:UserAssignedIdentity"
ROLE = "azure-native:authorization:RoleAssignment"
BLOB_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
ROLE_DEFINITIONS = "Microsoft.Authorization/roleDefinitions"


@pytest.fixture
def provider(clean_emulator: Any) -> AzureNativeProvider:
    native = AzureNativeProvider.from_ready_file(clean_emulator.ready_file)
    up(native, RG, "rg", {"resourceGroupName": "rg-net", "location": LOCATION})
    return native


def rule(name: str, priority: int) -> dict[str, Any]:
    return {
        "name": name,
        "priority": priority,
        "direction": "Outbound",
        "access": "Allow",
        "protocol": "Tcp",
        "sourceAddressPrefix": "VirtualNetwork",
        "sourcePortRange": "*",
        "destinationAddressPrefix": "Storage.westeurope",
        "destinationPortRange": "443",
        "description": "nodes to storage",
    }


def test_network_vnet_subnet_nsg_round_trip(provider: AzureNativeProvider) -> None:
    nsg_in = {
        "networkSecurityGroupName": "nsg-pools",
        "resourceGroupName": "rg-net",
        "location": LOCATION,
        "securityRules": [rule("allow-storage-out", 100)],
    }
    nsg_id, nsg_in, nsg_out = up(provider, NSG, "nsg", nsg_in)
    (served_rule,) = nsg_out["securityRules"]
    assert served_rule["destinationPortRange"] == "443"  # securityRules[].properties flattened
    assert "properties" not in served_rule

    vnet_in = {
        "virtualNetworkName": "vnet-batch",
        "resourceGroupName": "rg-net",
        "location": LOCATION,
        "addressSpace": {"addressPrefixes": ["10.20.0.0/16"]},
    }
    vnet_id, vnet_in, vnet_out = up(provider, VNET, "vnet", vnet_in)
    subnet_in = {
        "subnetName": "pools",
        "virtualNetworkName": "vnet-batch",
        "resourceGroupName": "rg-net",
        "addressPrefix": "10.20.1.0/24",
        "networkSecurityGroup": {"id": nsg_id},
    }
    subnet_id, subnet_in, subnet_out = up(provider, SUBNET, "subnet", subnet_in)
    assert subnet_out["networkSecurityGroup"]["id"].lower() == nsg_id.lower()

    # A VNet update without inline subnets keeps the standalone subnet (MaintainSubResourceProperties).
    vnet_news = {**vnet_in, "tags": {"team": "hpc"}}
    provider.update(urn(VNET, "vnet"), VNET, vnet_id, vnet_out, vnet_in, vnet_news, preview=False)
    assert provider.read(urn(SUBNET, "subnet"), SUBNET, subnet_id, subnet_in, subnet_out) is not None

    # Refresh of the VNet: the subnets Azure reports do not creep into the inputs.
    read = provider.read(urn(VNET, "vnet"), VNET, vnet_id, vnet_news, vnet_out)
    assert "subnets" not in read.inputs
    assert (
        provider.diff(urn(VNET, "vnet"), VNET, vnet_id, read.outputs, read.inputs, vnet_news).changes is False
    )

    # NSG: a new rule is an in-place update; refresh then no change.
    nsg_news = {**nsg_in, "securityRules": [rule("allow-storage-out", 100), rule("allow-extra-out", 110)]}
    diff = provider.diff(urn(NSG, "nsg"), NSG, nsg_id, nsg_out, nsg_in, nsg_news)
    assert (diff.diffs, diff.replaces) == (["securityRules"], [])
    nsg_out = provider.update(urn(NSG, "nsg"), NSG, nsg_id, nsg_out, nsg_in, nsg_news, preview=False)
    read = provider.read(urn(NSG, "nsg"), NSG, nsg_id, nsg_news, nsg_out)
    assert provider.diff(urn(NSG, "nsg"), NSG, nsg_id, read.outputs, read.inputs, nsg_news).changes is False

    # VNet location moves replace it (forceNewMap); a re-cased location is no change.
    moved = provider.diff(
        urn(VNET, "vnet"), VNET, vnet_id, vnet_out, vnet_in, {**vnet_in, "location": "northeurope"}
    )
    assert moved.replaces == ["location"] and moved.delete_before_replace
    recased = provider.diff(
        urn(VNET, "vnet"), VNET, vnet_id, vnet_out, vnet_in, {**vnet_in, "location": "West Europe"}
    )
    assert recased.changes is False

    provider.delete(urn(SUBNET, "subnet"), SUBNET, subnet_id, subnet_out)
    provider.delete(urn(VNET, "vnet"), VNET, vnet_id, vnet_out)
    provider.delete(urn(NSG, "nsg"), NSG, nsg_id, nsg_out)
    assert provider.read(urn(NSG, "nsg"), NSG, nsg_id, nsg_in, nsg_out) is None


def batch_account(provider: AzureNativeProvider, identity: dict[str, Any]) -> tuple[str, dict, dict]:
    sa_id, _, _ = up(
        provider,
        SA,
        "sa",
        {
            "accountName": "stnative",
            "resourceGroupName": "rg-net",
            "location": LOCATION,
            "kind": "StorageV2",
            "sku": {"name": "Standard_LRS"},
        },
    )
    inputs = {
        "accountName": "batchnative",
        "resourceGroupName": "rg-net",
        "location": LOCATION,
        "autoStorage": {"storageAccountId": sa_id, "authenticationMode": "BatchAccountManagedIdentity"},
        "identity": identity,
    }
    return up(provider, BA, "batch", inputs)


def test_application_create_update_and_import(provider: AzureNativeProvider) -> None:
    batch_account(provider, {"type": "SystemAssigned"})
    app_in = {
        "applicationName": "blender",
        "accountName": "batchnative",
        "resourceGroupName": "rg-net",
        "displayName": "Blender",
        "allowUpdates": True,
    }
    app_id, app_in, app_out = up(provider, APP, "app", app_in)
    assert (app_out["displayName"], app_out["allowUpdates"]) == ("Blender", True)
    news = {**app_in, "displayName": "Blender 4"}
    assert provider.diff(urn(APP, "app"), APP, app_id, app_out, app_in, news).replaces == []
    preview = provider.update(urn(APP, "app"), APP, app_id, app_out, app_in, news, preview=True)
    assert preview["displayName"] == "Blender 4" and preview["name"] == "blender"
    assert (
        provider.update(urn(APP, "app"), APP, app_id, app_out, app_in, news, preview=False)["displayName"]
        == "Blender 4"
    )
    imported = provider.read(urn(APP, "app"), APP, app_id, None, None)
    assert imported.inputs == {
        "resourceGroupName": "rg-net",
        "accountName": "batchnative",
        "applicationName": "blender",
        "displayName": "Blender 4",
        "allowUpdates": True,
    }
    provider.delete(urn(APP, "app"), APP, app_id, app_out)
    assert provider.read(urn(APP, "app"), APP, app_id, app_in, app_out) is None


def test_user_assigned_identities_resolve_on_the_account_and_refusals(
    provider: AzureNativeProvider, clean_emulator: Any
) -> None:
    uai_id, _, uai_out = up(
        provider,
        UAI,
        "uai",
        {"resourceName": "id-batch", "resourceGroupName": "rg-net", "location": LOCATION},
    )
    assert (
        uai_out["principalId"]
        and uai_out["clientId"]
        and uai_out["tenantId"] == clean_emulator.info["tenant_id"]
    )
    # `.get` (what UserAssignedIdentity.get does): a read by id with no inputs.
    got = provider.read(urn(UAI, "node"), UAI, uai_id, None, None)
    assert got.outputs["clientId"] == uai_out["clientId"]
    assert got.inputs["resourceName"] == "id-batch"

    missing = uai_id.replace("id-batch", "id-missing")
    with pytest.raises(ProviderError, match="FailedIdentityOperation"):
        batch_account(provider, {"type": "UserAssigned", "userAssignedIdentities": [missing]})
    ba_id, ba_in, ba_out = up(
        provider,
        BA,
        "batch",
        {
            "accountName": "batchnative",
            "resourceGroupName": "rg-net",
            "location": LOCATION,
            "identity": {"type": "UserAssigned", "userAssignedIdentities": [uai_id]},
        },
    )
    assert ba_out["identity"]["userAssignedIdentities"] == {
        uai_id: {"principalId": uai_out["principalId"], "clientId": uai_out["clientId"]}
    }
    read = provider.read(urn(BA, "batch"), BA, ba_id, ba_in, ba_out)
    assert read.inputs["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [uai_id]}
    assert provider.diff(urn(BA, "batch"), BA, ba_id, read.outputs, read.inputs, ba_in).changes is False
    with pytest.raises(ProviderError, match="MissingIdentityIds"):
        provider.update(
            urn(BA, "batch"),
            BA,
            ba_id,
            ba_out,
            ba_in,
            {**ba_in, "identity": {"type": "UserAssigned"}},
            preview=False,
        )


def test_role_assignments_are_validated_as_azure_does(provider: AzureNativeProvider) -> None:
    _, _, uai = up(
        provider,
        UAI,
        "uai",
        {"resourceName": "id-nodes", "resourceGroupName": "rg-net", "location": LOCATION},
    )
    scope = f"/subscriptions/{provider.subscription_id}/resourceGroups/rg-net"
    role = f"/subscriptions/{provider.subscription_id}/providers/{ROLE_DEFINITIONS}/{BLOB_READER}"
    inputs = {
        "scope": scope,
        "roleAssignmentName": "0b5f1a3e-54d8-4c1c-9a0b-8f5f2a4e7c11",
        "principalId": uai["principalId"],
        "principalType": "ServicePrincipal",
        "roleDefinitionId": role,
    }
    ra_id, ra_in, ra_out = up(provider, ROLE, "reader", inputs)
    assert ra_out["scope"] == scope and ra_out["principalId"] == uai["principalId"]
    read = provider.read(urn(ROLE, "reader"), ROLE, ra_id, ra_in, ra_out)
    assert provider.diff(urn(ROLE, "reader"), ROLE, ra_id, read.outputs, read.inputs, ra_in).changes is False
    assert provider.read(urn(ROLE, "reader"), ROLE, ra_id, None, None).inputs["scope"] == scope

    other_name = {**inputs, "roleAssignmentName": "7d2b3c4e-1111-4a2b-9c3d-5e6f7a8b9c0d"}
    checked, _ = provider.check(urn(ROLE, "again"), ROLE, None, other_name)
    with pytest.raises(ProviderError, match="RoleAssignmentExists"):
        provider.create(urn(ROLE, "again"), ROLE, checked, preview=False)
    nobody = {**other_name, "principalId": "5c0a0c6e-0000-4000-8000-000000000000"}
    checked, _ = provider.check(urn(ROLE, "nobody"), ROLE, None, nobody)
    with pytest.raises(ProviderError, match="PrincipalNotFound"):
        provider.create(urn(ROLE, "nobody"), ROLE, checked, preview=False)
    # principalId and scope force a replacement (forceNewMap Authorization.RoleAssignment)
    moved = provider.diff(urn(ROLE, "reader"), ROLE, ra_id, ra_out, ra_in, {**ra_in, "principalId": "x"})
    assert moved.replaces == ["principalId"]
    provider.delete(urn(ROLE, "reader"), ROLE, ra_id, ra_out)
    assert provider.read(urn(ROLE, "reader"), ROLE, ra_id, ra_in, ra_out) is None


def test_in_place_updates_and_deletes_of_the_remaining_types(provider: AzureNativeProvider) -> None:
    """Group tags, a storage setting, a subnet prefix, identity tags: diff says update, the PUT lands, a
    refresh agrees; then each is deleted and reads as gone."""
    rg_id = f"/subscriptions/{provider.subscription_id}/resourceGroups/rg-net"
    rg_in, _ = provider.check(urn(RG, "rg"), RG, None, {"resourceGroupName": "rg-net", "location": LOCATION})
    rg_out = provider.read(urn(RG, "rg"), RG, rg_id, rg_in, None).outputs
    _, sa_in, sa_out = up(
        provider,
        SA,
        "sa",
        {
            "accountName": "stupdates",
            "resourceGroupName": "rg-net",
            "location": LOCATION,
            "kind": "StorageV2",
            "sku": {"name": "Standard_LRS"},
            "minimumTlsVersion": "TLS1_0",
        },
    )
    _, vnet_in, _ = up(
        provider,
        VNET,
        "vnet",
        {
            "virtualNetworkName": "vnet-u",
            "resourceGroupName": "rg-net",
            "location": LOCATION,
            "addressSpace": {"addressPrefixes": ["10.30.0.0/16"]},
        },
    )
    subnet = {"subnetName": "s1", "virtualNetworkName": "vnet-u", "resourceGroupName": "rg-net"}
    _, subnet_in, subnet_out = up(provider, SUBNET, "subnet", {**subnet, "addressPrefix": "10.30.1.0/24"})
    _, uai_in, uai_out = up(
        provider, UAI, "uai", {"resourceName": "id-u", "resourceGroupName": "rg-net", "location": LOCATION}
    )
    changes = [
        (RG, "rg", rg_in, rg_out, {"tags": {"env": "test"}}),
        (SA, "sa", sa_in, sa_out, {"minimumTlsVersion": "TLS1_2"}),
        (SUBNET, "subnet", subnet_in, subnet_out, {"addressPrefix": "10.30.2.0/24"}),
        (UAI, "uai", uai_in, uai_out, {"tags": {"team": "hpc"}}),
    ]
    for token, name, olds, outs, change in changes:
        news = {**olds, **change}
        diff = provider.diff(urn(token, name), token, outs["id"], outs, olds, news)
        assert (diff.diffs, diff.replaces) == (sorted(change), []), token
        updated = provider.update(urn(token, name), token, outs["id"], outs, olds, news, preview=False)
        assert {k: updated[k] for k in change} == change, token
        if token == UAI:
            assert updated["principalId"] == outs["principalId"]  # the same identity, not a new one
        read = provider.read(urn(token, name), token, outs["id"], news, updated)
        assert (
            provider.diff(urn(token, name), token, outs["id"], read.outputs, read.inputs, news).changes
            is False
        )
    for token, name, olds, outs, _ in reversed(changes):
        provider.delete(urn(token, name), token, outs["id"], outs)
        assert provider.read(urn(token, name), token, outs["id"], olds, outs) is None, token
