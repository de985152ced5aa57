"""The body/outputs mapping of every served azure-native type, from Microsoft's example requests and answers.

Each case: the SDK inputs the Python SDK would send (camelCase SDK names, properties flattened) must become
exactly the example's request body; the example's response must become outputs under SDK names; and the
inputs projected back from those outputs (what a refresh keeps) must equal the writable inputs.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from pulumi._types import input_type_py_to_pulumi_names

from tests.engine.azure_native import convert
from tests.engine.azure_native.shapes import Shape
from tests.engine.azure_native.types import TYPES
from tests.engine.resource_provider import ProviderError
from tests.engine.values import UNKNOWN

EXAMPLES = Path(__file__).parent / "azure_native" / "examples"
EXAMPLE_RG = "/subscriptions/subid/resourceGroups/default-azurebatch-japaneast/providers"
UAI = f"{EXAMPLE_RG}/Microsoft.ManagedIdentity/userAssignedIdentities/id1"
STORAGE = f"{EXAMPLE_RG}/Microsoft.Storage/storageAccounts/samplestorage"
RULE = {
    "name": "rule1",
    "protocol": "*",
    "sourceAddressPrefix": "*",
    "destinationAddressPrefix": "*",
    "access": "Allow",
    "destinationPortRange": "80",
    "sourcePortRange": "*",
    "priority": 130,
    "direction": "Inbound",
}

# (type token, example file, SDK inputs without the path parameters, SDK outputs expected from the response)
CASES: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    (
        "azure-native:resources:ResourceGroup",
        "CreateResourceGroup.json",
        {"location": "eastus"},
        {"name": "my-resource-group", "properties": {"provisioningState": "Succeeded"}},
    ),
    (
        "azure-native:network:NetworkSecurityGroup",
        "NetworkSecurityGroupCreateWithRule.json",
        {"location": "eastus", "securityRules": [RULE]},
        {"provisioningState": "Succeeded", "securityRules": [{**RULE, "provisioningState": "Succeeded"}]},
    ),
    (
        "azure-native:storage:StorageAccount",
        "StorageAccountCreate.json",
        {
            "extendedLocation": {"name": "losangeles001", "type": "EdgeZone"},
            "kind": "Storage",
            "location": "eastus",
            "allowBlobPublicAccess": False,
            "allowSharedKeyAccess": True,
            "defaultToOAuthAuthentication": False,
            "encryption": {
                "keySource": "Microsoft.Storage",
                "requireInfrastructureEncryption": False,
                "services": {
                    "blob": {"enabled": True, "keyType": "Account"},
                    "file": {"enabled": True, "keyType": "Account"},
                },
            },
            "isHnsEnabled": True,
            "isSftpEnabled": True,
            "keyPolicy": {"keyExpirationPeriodInDays": 20},
            "minimumTlsVersion": "TLS1_2",
            "routingPreference": {
                "publishInternetEndpoints": True,
                "publishMicrosoftEndpoints": True,
                "routingChoice": "MicrosoftRouting",
            },
            "sasPolicy": {"expirationAction": "Log", "sasExpirationPeriod": "1.15:59:59"},
            "sku": {"name": "Standard_GRS"},
            "tags": {"key1": "value1", "key2": "value2"},
        },
        {"enableHttpsTrafficOnly": True, "sku": {"name": "Standard_GRS", "tier": "Standard"}},
    ),
    (
        "azure-native:batch:BatchAccount",
        "BatchAccountCreate_UserAssignedIdentity.json",
        {
            "identity": {"type": "UserAssigned", "userAssignedIdentities": [UAI]},
            "location": "japaneast",
            "autoStorage": {"storageAccountId": STORAGE},
        },
        {
            "accountEndpoint": "sampleacct.japaneast.batch.azure.com",
            "identity": {
                "type": "UserAssigned",
                "userAssignedIdentities": {UAI: {"clientId": "clientId1", "principalId": "principalId1"}},
            },
            "autoStorage": {"storageAccountId": STORAGE, "lastKeySync": "2016-03-10T23:48:38.9878479Z"},
            "dedicatedCoreQuota": 20,
        },
    ),
    (
        "azure-native:batch:Application",
        "ApplicationCreate.json",
        {"allowUpdates": False, "displayName": "myAppName"},
        {"allowUpdates": False, "displayName": "myAppName", "etag": 'W/"0x8D64F8EBB3DC411"'},
    ),
    (
        "azure-native:authorization:RoleAssignment",
        "RoleAssignments_CreateForResource.json",
        {
            "roleDefinitionId": "/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2/providers/"
            "Microsoft.Authorization/roleDefinitions/0b5fe924-9a61-425c-96af-cfe6e287ca2d",
            "principalId": "ce2ce14e-85d7-4629-bdbc-454d0519d987",
            "principalType": "User",
        },
        {
            "scope": "/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2/resourceGroups/testrg/providers/"
            "Microsoft.DocumentDb/databaseAccounts/test-db-account",
        },
    ),
    (
        "azure-native:managedidentity:UserAssignedIdentity",
        "UserAssignedIdentities_CreateOrUpdate.json",
        {"location": "eastus", "tags": {"key1": "value1", "key2": "value2"}},
        {
            "clientId": "4024ab25-56a8-4370-aea6-6389221caf29",
            "principalId": "25cc773c-7f05-40fc-a104-32d2300754ad",
            "tenantId": "b6c948ef-f6b5-4384-8354-da3a15eca969",
        },
    ),
]


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def path_inputs(token: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {name: parameters[name] for name in TYPES[token].path_params}


@pytest.mark.parametrize(("token", "file", "inputs", "expected"), CASES, ids=[c[1] for c in CASES])
def test_inputs_become_the_example_request_and_the_answer_becomes_sdk_outputs(token, file, inputs, expected):
    spec = TYPES[token]
    data = example(file)
    params = data["parameters"]
    sdk_inputs = {**path_inputs(token, params), **inputs}
    assert convert.request_body(spec, sdk_inputs) == params["parameters"]
    path = convert.resource_path(spec, sdk_inputs, params.get("subscriptionId", ""))
    response = next(r["body"] for r in data["responses"].values() if r.get("body"))
    if file not in INCONSISTENT_NAMES:
        assert path.lower() == response["id"].lower()
    outputs = convert.outputs(spec, response)
    assert contains(outputs, expected)
    assert "properties" not in outputs or token == "azure-native:resources:ResourceGroup"
    assert outputs["azureApiVersion"] == spec.api_version
    if file not in INCONSISTENT_NAMES:
        assert convert.path_inputs(spec, response["id"]) == {
            k: "/" + v.strip("/") if k == "scope" else v for k, v in path_inputs(token, params).items()
        }
    # A refresh keeps the writable part: what the answer echoes projects back onto the inputs it came from
    # (Azure's additions such as a rule's id are extra keys, never changes of what was sent).
    projected = convert.project_inputs(spec.body, outputs)
    echoed = {k: v for k, v in inputs.items() if k in projected and k not in REWRITTEN.get(file, ())}
    assert contains(projected, echoed)
    assert set(inputs) - set(projected) == NOT_ECHOED.get(file, set())


# The example answers what the request did not say: resourceName "resourceName" answered as "identityName".
INCONSISTENT_NAMES = {"UserAssignedIdentities_CreateOrUpdate.json"}
# Values the example answer rewrites: Azure fills lastEnabledTime into encryption services; the role
# assignment's roleDefinitionId comes back without its /subscriptions/<id> prefix (a refresh would report
# that as a change: azure-native's own behaviour here is unverified).
REWRITTEN = {
    "StorageAccountCreate.json": ("encryption",),
    "RoleAssignments_CreateForResource.json": ("roleDefinitionId",),
}
# Inputs the example answer does not echo at all.
NOT_ECHOED = {"StorageAccountCreate.json": {"defaultToOAuthAuthentication"}}


def contains(actual: Any, expected: Any) -> bool:
    """`expected` is inside `actual`: same scalars, every expected key present, lists item by item."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and contains(actual[k], v) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(contains(a, e) for a, e in zip(actual, expected, strict=True))
        )
    return actual == expected


# Types without a Microsoft create example in the index, tested from the spec's shapes instead (below).
SPEC_BUILT = {
    "azure-native:network:VirtualNetwork",
    "azure-native:network:Subnet",
    "azure-native:authorization:ManagementLockByScope",
    "azure-native:operationalinsights:Workspace",
}


@pytest.mark.parametrize("token", sorted(TYPES))
def test_every_served_type_has_a_mapping_test(token: str) -> None:
    assert token in {c[0] for c in CASES} | {c[0] for c in BODY_CASES} | SPEC_BUILT, (
        f"{token} has no mapping test: add a Microsoft create example to CASES (file under "
        "azure_native/examples, row in its MANIFEST.md), or a spec-built test listed in SPEC_BUILT"
    )


def test_vnet_and_subnet_bodies_follow_the_spec_flattening() -> None:
    # No 2024-05-01 VirtualNetworkCreate/SubnetCreate example in the index: virtualNetwork.json's shapes.
    vnet = TYPES["azure-native:network:VirtualNetwork"]
    body = convert.request_body(
        vnet,
        {
            "resourceGroupName": "rg1",
            "virtualNetworkName": "test-vnet",
            "location": "eastus",
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "flowTimeoutInMinutes": 10,
            "subnets": [{"name": "test-1", "addressPrefix": "10.0.0.0/24"}],
        },
    )
    assert body == {
        "location": "eastus",
        "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "flowTimeoutInMinutes": 10,
            "subnets": [{"name": "test-1", "properties": {"addressPrefix": "10.0.0.0/24"}}],
        },
    }
    subnet = TYPES["azure-native:network:Subnet"]
    body = convert.request_body(
        subnet,
        {
            "resourceGroupName": "rg1",
            "virtualNetworkName": "vnetname",
            "subnetName": "subnet1",
            "addressPrefix": "10.0.0.0/16",
            "networkSecurityGroup": {"id": "/nsg"},
            "delegations": [{"name": "batch", "serviceName": "Microsoft.Batch/batchAccounts"}],
        },
    )
    assert body == {
        "properties": {
            "addressPrefix": "10.0.0.0/16",
            "networkSecurityGroup": {"id": "/nsg"},
            "delegations": [
                {"name": "batch", "properties": {"serviceName": "Microsoft.Batch/batchAccounts"}}
            ],
        }
    }


def test_an_unmapped_input_is_refused_naming_the_type_and_property() -> None:
    spec = TYPES["azure-native:network:NetworkSecurityGroup"]
    inputs = {
        "resourceGroupName": "rg",
        "networkSecurityGroupName": "n",
        "securityRules": [{"destPort": "1"}],
    }
    with pytest.raises(
        ProviderError, match=r"NetworkSecurityGroup: input property 'securityRules\[0\]\.destPort'"
    ):
        convert.request_body(spec, inputs)


def test_preview_maps_inputs_by_type_and_leaves_a_string_set_output_unknown() -> None:
    spec = TYPES["azure-native:batch:BatchAccount"]
    preview = convert.preview_outputs(
        spec,
        {"location": "westeurope", "identity": {"type": "UserAssigned", "userAssignedIdentities": [UAI]}},
    )
    assert preview["location"] == "westeurope"
    assert preview["identity"]["type"] == "UserAssigned"
    assert preview["identity"]["userAssignedIdentities"] is UNKNOWN  # a list in, a map of objects out
    assert preview["identity"]["principalId"] is UNKNOWN
    assert preview["accountEndpoint"] is UNKNOWN and preview["id"] is UNKNOWN


def sdk_inputs(module: str, class_name: str) -> set[str] | None:
    """The camelCase input names of the installed SDK's `class_name` (an input type), or None if absent."""
    found = getattr(importlib.import_module(f"pulumi_azure_native.{module}"), class_name, None)
    return set(input_type_py_to_pulumi_names(found).values()) if found is not None else None


def nested_shapes(shape: Shape, found: dict[str, Shape]) -> dict[str, Shape]:
    for f in shape.fields.values():
        if isinstance(f.of, Shape) and not f.read_only and f.of.name not in found:
            found[f.of.name] = f.of
            nested_shapes(f.of, found)
    return found


@pytest.mark.parametrize("token", sorted(TYPES))
def test_the_tables_take_exactly_the_inputs_the_installed_sdk_sends(token: str) -> None:
    spec = TYPES[token]
    _, module, name = token.split(":")
    # Through the package, whose lazy loader must do the importing (a direct submodule import breaks it).
    resource = getattr(importlib.import_module(f"pulumi_azure_native.{module}"), name)
    resource_module = sys.modules[resource.__module__]
    # A resource whose name clashes with an input type has its arguments as <Name>InitArgs.
    args = getattr(resource_module, f"{name}InitArgs", None) or getattr(resource_module, f"{name}Args")
    assert set(input_type_py_to_pulumi_names(args).values()) == set(spec.body.inputs()) | set(
        spec.path_params
    )
    for shape_name, shape in nested_shapes(spec.body, {}).items():
        wanted = sdk_inputs(f"{module}._inputs", f"{shape_name}Args")
        assert wanted is not None, f"{token}: no {shape_name}Args in the SDK (name the shape after it)"
        assert set(shape.inputs()) == wanted, (token, shape_name)


# Microsoft examples i12 stored for the private-access and monitoring services (tests/emulator/examples,
# sources in its MANIFEST.md): {"parameters": request body, "response": answer}; path inputs given here.
EMULATOR_EXAMPLES = Path(__file__).parents[1] / "emulator" / "examples"
NET = "/subscriptions/subId/resourceGroups/rg1/providers/Microsoft.Network"
BODY_CASES: list[tuple[str, str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    (
        "azure-native:network:PrivateEndpoint",
        "PrivateEndpointCreate.json",
        {"resourceGroupName": "rg1", "privateEndpointName": "testPe"},
        {
            "location": "eastus2euap",
            "privateLinkServiceConnections": [
                {
                    "privateLinkServiceId": f"{NET}/privateLinkServices/testPls",
                    "groupIds": ["groupIdFromResource"],
                    "requestMessage": "Please approve my connection.",
                }
            ],
            "subnet": {"id": f"{NET}/virtualNetworks/myVnet/subnets/mySubnet"},
            "ipConfigurations": [
                {
                    "name": "pestaticconfig",
                    "groupId": "file",
                    "memberName": "file",
                    "privateIPAddress": "192.168.0.6",
                }
            ],
            "customNetworkInterfaceName": "testPeNic",
        },
        {"provisioningState": "Succeeded"},
    ),
    (
        "azure-native:network:PrivateDnsZoneGroup",
        "PrivateEndpointDnsZoneGroupCreate.json",
        {
            "resourceGroupName": "rg1",
            "privateEndpointName": "testPe",
            "privateDnsZoneGroupName": "testPdnsgroup",
        },
        {"privateDnsZoneConfigs": [{"privateDnsZoneId": f"{NET}/privateDnsZones/zone1.com"}]},
        {"provisioningState": "Succeeded"},
    ),
    (
        "azure-native:privatedns:PrivateZone",
        "PrivateZonePut.json",
        {"resourceGroupName": "resourceGroup1", "privateZoneName": "privatezone1.com"},
        {"location": "Global", "tags": {"key1": "value1"}},
        {"maxNumberOfVirtualNetworkLinks": 100, "numberOfRecordSets": 1},
    ),
    (
        "azure-native:privatedns:VirtualNetworkLink",
        "VirtualNetworkLinkPut.json",
        {
            "resourceGroupName": "resourceGroup1",
            "privateZoneName": "privatezone1.com",
            "virtualNetworkLinkName": "l1",
        },
        {
            "location": "Global",
            "tags": {"key1": "value1"},
            "virtualNetwork": {
                "id": "/subscriptions/virtualNetworkSubscriptionId/resourceGroups/"
                "virtualNetworkResourceGroup/providers/Microsoft.Network/virtualNetworks/virtualNetworkName"
            },
            "registrationEnabled": False,
        },
        {"virtualNetworkLinkState": "Completed"},
    ),
]
DIAGNOSTIC_INPUTS = {
    "storageAccountId": "/subscriptions/df602c9c-7aa0-407d-a6fb-eb20c8bd1192/resourceGroups/apptest/"
    "providers/Microsoft.Storage/storageAccounts/appteststorage1",
    "workspaceId": "",
    "eventHubAuthorizationRuleId": "/subscriptions/1a66ce04-b633-4a0b-b2bc-a912ec8986a6/resourceGroups/"
    "montest/providers/microsoft.eventhub/namespaces/mynamespace/eventhubs/myeventhub/authorizationrules/myrule",
    "eventHubName": "myeventhub",
    "marketplacePartnerId": "/subscriptions/abcdeabc-1234-1234-ab12-123a1234567a/resourceGroups/test-rg/"
    "providers/Microsoft.Datadog/monitors/dd1",
    "metrics": [
        {"category": "WorkflowMetrics", "enabled": True, "retentionPolicy": {"enabled": False, "days": 0}}
    ],
    "logs": [
        {"category": "WorkflowRuntime", "enabled": True, "retentionPolicy": {"enabled": False, "days": 0}}
    ],
    "logAnalyticsDestinationType": "Dedicated",
}
BODY_CASES.append(
    (
        "azure-native:monitor:DiagnosticSetting",
        "createOrUpdateDiagnosticSettingCategory.json",
        {
            "resourceUri": "/subscriptions/1a66ce04-b633-4a0b-b2bc-a912ec8986a6/resourcegroups/viruela1/"
            "providers/microsoft.logic/workflows/viruela6",
            "name": "mysetting",
        },
        DIAGNOSTIC_INPUTS,
        {"eventHubName": "myeventhub"},
    )
)


@pytest.mark.parametrize(
    ("token", "file", "path", "inputs", "expected"), BODY_CASES, ids=[c[1] for c in BODY_CASES]
)
def test_body_examples_become_the_request_and_the_answer_becomes_sdk_outputs(
    token, file, path, inputs, expected
):
    spec = TYPES[token]
    data = json.loads((EMULATOR_EXAMPLES / file).read_text(encoding="utf-8"))
    assert convert.request_body(spec, {**path, **inputs}) == data["parameters"]
    outputs = convert.outputs(spec, data["response"])
    assert contains(outputs, expected)
    projected = convert.project_inputs(spec.body, outputs)
    # location comes back in ARM's normal form ("Global" -> "global"); Diff compares it case-blind.
    assert contains(projected, {k: v for k, v in inputs.items() if k in projected and k != "location"})


def test_lock_and_workspace_bodies_follow_the_spec_flattening() -> None:
    # No create example stored for these two: locks.json 2020-05-01 and workspaces 2023-09-01 shapes.
    lock = convert.request_body(
        TYPES["azure-native:authorization:ManagementLockByScope"],
        {
            "scope": "/subscriptions/s/resourceGroups/rg",
            "lockName": "keep",
            "level": "CanNotDelete",
            "notes": "n",
        },
    )
    assert lock == {"properties": {"level": "CanNotDelete", "notes": "n"}}
    workspace = convert.request_body(
        TYPES["azure-native:operationalinsights:Workspace"],
        {
            "resourceGroupName": "rg",
            "workspaceName": "logs",
            "location": "westeurope",
            "sku": {"name": "PerGB2018"},
            "retentionInDays": 30,
        },
    )
    assert workspace == {
        "location": "westeurope",
        "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": 30},
    }
