"""BatchEnvironment under Pulumi's mocks for the three stacks: children, names, parents and key inputs."""

from __future__ import annotations

import pytest

from batch_infra.config import load_stack_file, stack_file
from batch_infra.config.stack import StackConfig
from batch_infra.ops.mock_azure import arm_id
from batch_infra.ops.plan import Plan, PlannedResource
from tests.fixtures.plans import PROJECT_DIR, STACKS, run_edited

COMPONENTS = {
    "batch": ("batch-infra:environment:BatchEnvironment", None),
    "batch-network": ("batch-infra:network:BatchNetwork", "batch"),
    "batch-account": ("batch-infra:account:BatchAccount", "batch"),
    "batch-applications": ("batch-infra:applications:BatchApplications", "batch"),
}
CHILDREN = {
    "batch-rg": ("azure-native:resources:ResourceGroup", "batch"),
    "batch-network-nsg": ("azure-native:network:NetworkSecurityGroup", "batch-network"),
    "batch-network-vnet": ("azure-native:network:VirtualNetwork", "batch-network"),
    "batch-network-subnet": ("azure-native:network:Subnet", "batch-network"),
    "batch-account-storage": ("azure-native:storage:StorageAccount", "batch-account"),
    "batch-account-batch": ("azure-native:batch:BatchAccount", "batch-account"),
    "batch-quota": ("pulumi-python:dynamic/quota:QuotaCheck", "batch"),
}


# prod is the reference private environment: these exist only there (test_private_components covers variants).
PRIVATE = {
    "batch-private-link": ("batch-infra:privatelink:PrivateLink", "batch"),
    "batch-network-endpoint-subnet": ("azure-native:network:Subnet", "batch-network"),
    **{
        name: (kind, "batch-private-link")
        for group, zone in (("batchAccount", "batch"), ("nodeManagement", "batch"), ("blob", "blob"))
        for name, kind in (
            (f"batch-private-link-endpoint-{group}", "azure-native:network:PrivateEndpoint"),
            (f"batch-private-link-endpoint-{group}-dns", "azure-native:network:PrivateDnsZoneGroup"),
            (f"batch-private-link-zone-{zone}", "azure-native:privatedns:PrivateZone"),
            (f"batch-private-link-zone-{zone}-link", "azure-native:privatedns:VirtualNetworkLink"),
        )
    },
    "batch-guard-rails": ("batch-infra:guardrails:GuardRails", "batch"),
    "batch-guard-rails-workspace": ("azure-native:operationalinsights:Workspace", "batch-guard-rails"),
    "batch-guard-rails-diagnostics": ("azure-native:monitor:DiagnosticSetting", "batch-guard-rails"),
    **{
        f"batch-guard-rails-lock-{scope}": (
            "azure-native:authorization:ManagementLockByScope",
            "batch-guard-rails",
        )
        for scope in ("resourceGroup", "batchAccount", "storageAccount")
    },
    "batch-guard-rails-role-batch-11111111-6aaa78f1": (
        "azure-native:authorization:RoleAssignment",
        "batch-guard-rails",
    ),
}


def config_of(stack: str) -> StackConfig:
    return load_stack_file(stack_file(stack, PROJECT_DIR), environment=stack).config


def by_name(plan: Plan) -> dict[str, PlannedResource]:
    return {r.name: r for r in plan.resources}


def parent_name(plan: Plan, resource: PlannedResource) -> str | None:
    parents = [r.name for r in plan.resources if r.urn == resource.parent]
    return parents[0] if parents else None


@pytest.mark.parametrize("stack", STACKS)
def test_every_resource_has_the_expected_type_name_and_parent(planned, stack):
    plan, config = planned(stack), config_of(stack)
    expected = {**COMPONENTS, **CHILDREN}
    expected |= {
        f"batch-applications-{a.id}": ("azure-native:batch:Application", "batch-applications")
        for a in config.applications
    }
    expected |= {
        f"batch-package-{a.id}-{version}": ("pulumi-python:dynamic/app_package:ApplicationPackage", "batch")
        for a in config.applications
        for version in a.packages
    }
    expected |= {f"batch-pool-{p.id}": ("pulumi-python:dynamic/pool:Pool", "batch") for p in config.pools}
    if config.account.auto_storage.authentication_mode == "BatchAccountManagedIdentity":
        # prod's account holds one user-assigned identity; test_storage_roles.py covers the other cases.
        expected |= {
            name: ("azure-native:authorization:RoleAssignment", "batch-account")
            for name in (
                "batch-account-storage-contributor-id-contoso-batch-account",
                "batch-account-storage-node-reader",
            )
        }
    if stack == "prod":
        expected |= PRIVATE
    actual = {r.name: (r.type, parent_name(plan, r)) for r in plan.resources}
    assert actual == expected
    assert all(
        r.custom == r.type.startswith(("azure-native:", "pulumi-python:dynamic")) for r in plan.resources
    )
    root = by_name(plan)["batch"]
    assert root.parent == f"urn:pulumi:{stack}::batch-infra::pulumi:pulumi:Stack::batch-infra-{stack}"


@pytest.mark.parametrize("stack", STACKS)
def test_every_child_is_named_after_its_parent(planned, stack):
    plan = planned(stack)
    for resource in plan.resources:
        parent = parent_name(plan, resource)
        if parent is not None:
            assert resource.name.startswith(f"{parent}-"), resource.name


@pytest.mark.parametrize("stack", STACKS)
def test_each_child_gets_the_location_names_and_tags_of_the_config(planned, stack):
    resources, config = by_name(planned(stack)), config_of(stack)
    names, tags = config.names(), config.all_tags()
    expected_names = {
        "batch-rg": ("resourceGroupName", names.resource_group),
        "batch-network-nsg": ("networkSecurityGroupName", names.network_security_group),
        "batch-network-vnet": ("virtualNetworkName", names.virtual_network),
        "batch-account-storage": ("accountName", names.storage_account),
        "batch-account-batch": ("accountName", names.batch_account),
    }
    for name, (key, value) in expected_names.items():
        inputs = resources[name].inputs
        assert inputs[key] == value
        assert inputs["location"] == config.location
        assert inputs["tags"] == tags
        if name != "batch-rg":
            assert inputs["resourceGroupName"] == names.resource_group
    assert tags["environment"] == stack and tags["managed-by"] == "batch-infra"


@pytest.mark.parametrize("stack", STACKS)
def test_network_allows_only_what_simplified_node_communication_needs(planned, stack):
    resources, config = by_name(planned(stack)), config_of(stack)
    region = config.location
    rules = resources["batch-network-nsg"].inputs["securityRules"]
    allows = [r for r in rules if r["access"] == "Allow"]
    assert [(r["name"], r["destinationAddressPrefix"], r["priority"]) for r in allows] == [
        ("allow-batch-node-management-out", f"BatchNodeManagement.{region}", 100),
        ("allow-storage-out", f"Storage.{region}", 110),
    ]
    for rule in allows:
        assert (rule["direction"], rule["protocol"], rule["destinationPortRange"]) == (
            "Outbound",
            "Tcp",
            "443",
        )
    # The NSG enforces what it claims: nothing in from the Internet; denyInternetOutbound: nothing else out.
    denies = {
        (r["name"], r["direction"], r["sourceAddressPrefix"], r["destinationAddressPrefix"])
        for r in rules
        if r["access"] == "Deny"
    }
    expected = {("deny-internet-in", "Inbound", "Internet", "*")}
    if config.network.deny_internet_outbound:
        expected.add(("deny-internet-out", "Outbound", "*", "Internet"))
    assert denies == expected
    assert all(r["priority"] > 130 for r in rules if r["access"] == "Deny")
    vnet, subnet = resources["batch-network-vnet"].inputs, resources["batch-network-subnet"].inputs
    assert vnet["addressSpace"] == {"addressPrefixes": [config.network.address_space]}
    assert subnet["addressPrefix"] == config.network.subnet_prefix
    assert subnet["virtualNetworkName"] == config.names().virtual_network
    nsg_id = arm_id("azure-native:network:NetworkSecurityGroup", resources["batch-network-nsg"].inputs)
    assert subnet["networkSecurityGroup"] == {"id": nsg_id}


@pytest.mark.parametrize("stack", STACKS)
def test_auto_storage_is_https_only_tls12_without_public_blobs(planned, stack):
    storage = by_name(planned(stack))["batch-account-storage"].inputs
    assert storage["kind"] == "StorageV2"
    assert storage["sku"] == {"name": "Standard_LRS"}
    assert storage["enableHttpsTrafficOnly"] is True
    assert storage["minimumTlsVersion"] == "TLS1_2"
    assert storage["allowBlobPublicAccess"] is False


@pytest.mark.parametrize("stack", STACKS)
def test_batch_account_links_auto_storage_with_the_configured_access(planned, stack):
    resources, account = by_name(planned(stack)), config_of(stack).account
    batch = resources["batch-account-batch"].inputs
    storage_id = arm_id("azure-native:storage:StorageAccount", resources["batch-account-storage"].inputs)
    assert batch["poolAllocationMode"] == account.pool_allocation_mode
    assert batch["publicNetworkAccess"] == account.public_network_access
    assert batch["allowedAuthenticationModes"] == list(account.allowed_authentication_modes)
    assert batch["autoStorage"]["storageAccountId"] == storage_id
    assert batch["autoStorage"]["authenticationMode"] == account.auto_storage.authentication_mode
    assert batch["identity"]["type"] == account.identity.type
    assert "keyVaultReference" not in batch


def test_prod_is_private_with_managed_identity_auto_storage(planned):
    batch = by_name(planned("prod"))["batch-account-batch"].inputs
    assert batch["publicNetworkAccess"] == "Disabled"
    assert batch["autoStorage"]["authenticationMode"] == "BatchAccountManagedIdentity"
    assert batch["autoStorage"]["nodeIdentityReference"]["resourceId"].endswith("/id-contoso-batch-nodes")
    assert batch["identity"]["userAssignedIdentities"][0].endswith("/id-contoso-batch-account")


def test_dev_uses_storage_keys_and_public_access(planned):
    batch = by_name(planned("dev"))["batch-account-batch"].inputs
    assert batch["publicNetworkAccess"] == "Enabled"
    assert batch["autoStorage"] == {
        "storageAccountId": arm_id(
            "azure-native:storage:StorageAccount", by_name(planned("dev"))["batch-account-storage"].inputs
        ),
        "authenticationMode": "StorageKeys",
    }
    assert batch["identity"] == {"type": "None"}


@pytest.mark.parametrize("stack", STACKS)
def test_one_application_per_configured_id_without_default_version(planned, stack):
    resources, config = by_name(planned(stack)), config_of(stack)
    for app in config.applications:
        inputs = resources[f"batch-applications-{app.id}"].inputs
        assert inputs["applicationName"] == app.id
        assert inputs["accountName"] == config.names().batch_account
        assert inputs["displayName"] == app.display_name
        assert inputs["allowUpdates"] is app.allow_updates
        assert "defaultVersion" not in inputs  # set by the package provider once the package is active


@pytest.mark.parametrize("stack", STACKS)
def test_outputs_are_names_ids_and_endpoint_never_keys(planned, stack):
    plan, config = planned(stack), config_of(stack)
    names = config.names()
    account_id = (
        f"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/{names.resource_group}"
        f"/providers/Microsoft.Batch/batchAccounts/{names.batch_account}"
    )
    assert plan.outputs == {
        "resourceGroupName": names.resource_group,
        "location": config.location,
        "virtualNetworkId": plan.outputs["virtualNetworkId"],
        "subnetId": plan.outputs["virtualNetworkId"] + f"/subnets/{names.subnet}",
        "storageAccountName": names.storage_account,
        "batchAccountName": names.batch_account,
        "batchAccountId": account_id,
        "accountEndpoint": f"{names.batch_account}.{config.location}.batch.azure.com",
        "applicationIds": {a.id: f"{account_id}/applications/{a.id}" for a in config.applications},
        "poolIds": sorted(p.id for p in config.pools),
        # What other stacks read through StackReference (issue 11: protect and export).
        "subscriptionId": "00000000-0000-0000-0000-000000000000",
        "storageAccountId": account_id.replace(
            f"Microsoft.Batch/batchAccounts/{names.batch_account}",
            f"Microsoft.Storage/storageAccounts/{names.storage_account}",
        ),
        "poolResourceIds": {p.id: f"{account_id}/pools/{p.id}" for p in config.pools},
        "applicationPackageVersions": {a.id: sorted(a.packages) for a in config.applications},
    }
    assert plan.outputs["virtualNetworkId"].endswith(f"/virtualNetworks/{names.virtual_network}")
    assert not [key for key in plan.outputs if "key" in key.lower() or "secret" in key.lower()]


@pytest.mark.parametrize("stack", STACKS)
def test_the_stack_policy_protects_and_retains_group_storage_and_account(planned, stack):
    policies = config_of(stack).policies
    assert (policies.protect_stateful_resources, policies.retain_on_delete) == ((stack == "prod",) * 2)
    options = {r.name: (r.protect, r.retain_on_delete) for r in planned(stack).resources}
    stateful = ("batch-rg", "batch-account-storage", "batch-account-batch")
    assert {name: options[name] for name in stateful} == dict.fromkeys(stateful, (stack == "prod",) * 2)
    assert not any(p for name, (p, _) in options.items() if name not in stateful)  # the policy's reach


def test_no_pools_still_export_the_pool_maps_as_maps():
    """Output.all() of nothing is a list: exported as poolResourceIds, every later program run died on it
    (pulumi: "Expected 'list' got 'dict[str, str]'"; found through the engine by the fault matrix)."""
    _, outputs = run_edited("dev", lambda config: config.update({"batch-infra:pools": []}))
    assert (outputs["poolIds"], outputs["poolResourceIds"]) == ([], {})
