"""Private-environment branches the shipped stacks don't reach: bring-your-own ids, hub DNS zones, CMK."""

from __future__ import annotations

from batch_infra.config.stack import StackConfig
from tests.components.test_components import run

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"
HUB_ZONE = (
    f"{SUB}/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones/privatelink.batch.azure.com"
)
SUBNETS = f"{SUB}/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets"
STORAGE = f"{SUB}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/contosodata"
WORKSPACE = f"{SUB}/resourceGroups/rg-ops/providers/Microsoft.OperationalInsights/workspaces/log-central"
PIN = {
    "publisher": "canonical",
    "offer": "ubuntu-24_04-lts",
    "sku": "server",
    "nodeAgentSkuId": "batch.node.ubuntu 24.04",
}


def landing_zone(**account) -> StackConfig:
    return StackConfig.model_validate(
        {
            "environment": "lz",
            "location": "westeurope",
            "naming": {"prefix": "contoso", "resourceGroup": "rg-spoke-batch", "existingResourceGroup": True},
            "network": {"subnetId": f"{SUBNETS}/batch", "privateEndpointSubnetId": f"{SUBNETS}/endpoints"},
            "account": {
                "publicNetworkAccess": "Disabled",
                "allowedAuthenticationModes": ["AAD"],
                "privateEndpoints": [
                    {"groupId": "batchAccount", "privateDnsZoneId": HUB_ZONE},
                    {"groupId": "nodeManagement", "privateDnsZoneId": HUB_ZONE},
                ],
                "autoStorage": {"storageAccountId": STORAGE},
                "diagnosticSettings": {"logs": ["AuditLog", "allLogs"], "workspaceId": WORKSPACE},
                **account,
            },
            "locks": [{"scope": "resourceGroup"}, {"scope": "batchAccount"}],
            "roleAssignments": [
                {"principalId": "AAAAAAAA-0000-0000-0000-000000000001", "roleDefinitionName": "Reader"}
            ],
            "pools": [
                {
                    "id": "p",
                    "vmSize": "Standard_D2s_v5",
                    "image": {"os": "ubuntu 24.04", "pinned": PIN},
                    "scale": {"targetDedicatedNodes": 1},
                    "network": {"publicIpProvisioning": "NoPublicIPAddresses"},
                }
            ],
        }
    )


def test_a_landing_zone_creates_no_group_network_storage_zone_or_workspace():
    resources, _ = run(landing_zone())
    kinds = {r.type for r in resources.values()}
    for brought in (
        "ResourceGroup",
        "VirtualNetwork",
        "Subnet",
        "NetworkSecurityGroup",
        "StorageAccount",
        "PrivateZone",
        "VirtualNetworkLink",
        "Workspace",
    ):
        assert not any(k.endswith(f":{brought}") for k in kinds), brought
    batch = resources["env-account-batch"].inputs
    assert batch["resourceGroupName"] == "rg-spoke-batch"
    assert batch["autoStorage"]["storageAccountId"] == STORAGE
    assert batch["allowedAuthenticationModes"] == ["AAD"]


def test_endpoints_join_the_existing_subnet_and_register_in_the_hub_zone():
    resources, _ = run(landing_zone())
    for group in ("batchAccount", "nodeManagement"):
        endpoint = resources[f"env-private-link-endpoint-{group}"].inputs
        assert endpoint["subnet"] == {"id": f"{SUBNETS}/endpoints"}
        (connection,) = endpoint["privateLinkServiceConnections"]
        assert connection["groupIds"] == [group]
        dns = resources[f"env-private-link-endpoint-{group}-dns"].inputs
        assert dns["privateDnsZoneConfigs"] == [
            {"name": "privatelink-batch-azure-com", "privateDnsZoneId": HUB_ZONE}
        ]


def test_diagnostics_go_to_the_existing_workspace_with_categories_and_groups_told_apart():
    resources, _ = run(landing_zone())
    setting = resources["env-guard-rails-diagnostics"].inputs
    assert setting["workspaceId"] == WORKSPACE
    assert setting["logs"] == [
        {"category": "AuditLog", "enabled": True},
        {"categoryGroup": "allLogs", "enabled": True},
    ]
    assert setting["metrics"] == [{"category": "AllMetrics", "enabled": True}]


def test_locks_are_scoped_to_the_existing_group():
    resources, _ = run(landing_zone())
    lock = resources["env-guard-rails-lock-resourceGroup"]
    assert lock.inputs["level"] == "CanNotDelete"
    assert lock.inputs["scope"].lower().endswith("/resourcegroups/rg-spoke-batch")


def test_role_assignments_resolve_the_built_in_role_in_the_scopes_subscription():
    resources, _ = run(landing_zone())
    (role,) = [r for r in resources.values() if r.type == "azure-native:authorization:RoleAssignment"]
    assert role.inputs["principalId"] == "aaaaaaaa-0000-0000-0000-000000000001"
    assert role.inputs["roleDefinitionId"].endswith(
        "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"
    )


def test_customer_managed_key_and_network_profile_reach_the_account():
    key = "https://kv-contoso.vault.azure.net/keys/batch-cmk"
    resources, _ = run(
        landing_zone(
            identity={"type": "SystemAssigned"},
            encryption={"keySource": "Microsoft.KeyVault", "keyVaultProperties": {"keyIdentifier": key}},
            networkProfile={"nodeManagementAccess": {"defaultAction": "Deny"}},
        )
    )
    batch = resources["env-account-batch"].inputs
    assert batch["encryption"] == {
        "keySource": "Microsoft.KeyVault",
        "keyVaultProperties": {"keyIdentifier": key},
    }
    assert batch["networkProfile"] == {"nodeManagementAccess": {"defaultAction": "Deny", "ipRules": []}}


def test_the_nsg_lets_in_only_what_pools_declare_and_denies_the_rest():
    from tests.components.test_components import config
    from tests.components.test_components import run as run_plain

    nat = {
        "name": "ssh",
        "protocol": "TCP",
        "backendPort": 22,
        "frontendPortRangeStart": 40000,
        "frontendPortRangeEnd": 40099,
        "networkSecurityGroupRules": [
            {"priority": 150, "access": "Allow", "sourceAddressPrefix": "198.51.100.0/24"},
            {"priority": 160, "access": "Deny", "sourceAddressPrefix": "*"},
        ],
    }
    pool = {
        "id": "ops",
        "vmSize": "Standard_D2s_v5",
        "image": {"os": "ubuntu 24.04"},
        "scale": {"targetDedicatedNodes": 1},
        "network": {"endpointConfiguration": {"inboundNatPools": [nat]}},
    }
    resources, _ = run_plain(config(pools=[pool], network={"denyInternetOutbound": True}))
    rules = resources["env-network-nsg"].inputs["securityRules"]
    inbound = [
        (r["name"], r["access"], r["sourceAddressPrefix"], r.get("destinationPortRange"))
        for r in rules
        if r["direction"] == "Inbound"
    ]
    assert inbound == [
        ("allow-pool-ops-ssh-0-in", "Allow", "198.51.100.0/24", "22"),
        ("deny-internet-in", "Deny", "Internet", "*"),
    ]
    for direction in ("Inbound", "Outbound"):  # Azure wants priorities unique per direction
        priorities = [r["priority"] for r in rules if r["direction"] == direction]
        assert len(set(priorities)) == len(priorities)
    assert [r["name"] for r in rules if r["access"] == "Deny"] == ["deny-internet-in", "deny-internet-out"]
