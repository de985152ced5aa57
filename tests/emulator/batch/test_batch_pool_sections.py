"""The Pool API 2025-06-01 sections in the emulator: kept as Azure keeps them, refused with its codes."""

from __future__ import annotations

import copy

import pytest
from azure.core.exceptions import HttpResponseError

from tests.emulator.batch.helpers import RG, make_account, pool_body, property_path, raw

pytestmark = pytest.mark.emulator
VMC = "properties.deploymentConfiguration.virtualMachineConfiguration"
NODES = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/nodes"
SSH = {
    "inboundNatPools": [
        {
            "name": "ssh",
            "protocol": "TCP",
            "backendPort": 22,
            "frontendPortRangeStart": 40000,
            "frontendPortRangeEnd": 40099,
            "networkSecurityGroupRules": [
                {"priority": 150, "access": "Allow", "sourceAddressPrefix": "203.0.113.0/24"}
            ],
        }
    ]
}


@pytest.fixture
def batch(clean_emulator):
    make_account(clean_emulator)
    return clean_emulator.batch_mgmt_client()


def _vm(body):
    return body["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]


def full_body():
    body = pool_body("Standard_D4s_v5", 0, networkConfiguration={"endpointConfiguration": copy.deepcopy(SSH)})
    _vm(body).update(
        containerConfiguration={
            "type": "DockerCompatible",
            "containerImageNames": ["contoso.azurecr.io/bwa:1"],
            "containerRegistries": [
                {"registryServer": "contoso.azurecr.io", "username": "ci", "password": "r3g!"}
            ],
        },
        securityProfile={
            "securityType": "trustedLaunch",
            "encryptionAtHost": True,
            "uefiSettings": {"secureBootEnabled": True, "vTpmEnabled": True},
        },
        nodePlacementConfiguration={"policy": "Zonal"},
        diskEncryptionConfiguration={"targets": ["OsDisk", "TemporaryDisk"]},
        osDisk={"caching": "ReadOnly", "ephemeralOSDiskSettings": {"placement": "CacheDisk"}},
        extensions=[
            {
                "name": "ama",
                "publisher": "Microsoft.Azure.Monitor",
                "type": "AzureMonitorLinuxAgent",
                "protectedSettings": {"key": "pr0t"},
            }
        ],
    )
    body["properties"]["mountConfiguration"] = [
        {
            "azureFileShareConfiguration": {
                "accountName": "refs",
                "azureFileUrl": "https://refs.file.core.windows.net/s",
                "accountKey": "k3y",
                "relativeMountPath": "refs",
            }
        },
        {"nfsMountConfiguration": {"source": "10.0.0.4:/data", "relativeMountPath": "nfs"}},
    ]
    body["properties"]["upgradePolicy"] = {
        "mode": "automatic",
        "automaticOSUpgradePolicy": {"enableAutomaticOSUpgrade": True},
    }
    body["tags"] = {"team": "genomics"}
    return body


def test_every_section_is_kept_and_no_secret_comes_back(batch):
    response = raw(batch, "PUT", _pool_path(batch, "full"), full_body())
    assert response.status_code == 200, response.text()
    got = raw(batch, "GET", _pool_path(batch, "full")).json()
    vm = _vm(got)
    assert vm["securityProfile"]["securityType"] == "trustedLaunch" and vm["nodePlacementConfiguration"] == {
        "policy": "Zonal"
    }
    # Azure answers a rule without sourcePortRanges with its default, ["*"] (emulator pool_defaults).
    echoed = {
        "inboundNatPools": [
            {
                **nat,
                "networkSecurityGroupRules": [
                    {**rule, "sourcePortRanges": rule.get("sourcePortRanges", ["*"])}
                    for rule in nat["networkSecurityGroupRules"]
                ],
            }
            for nat in SSH["inboundNatPools"]
        ]
    }
    assert got["properties"]["networkConfiguration"]["endpointConfiguration"] == echoed
    assert got["tags"] == {"team": "genomics"} and got["properties"]["upgradePolicy"]["mode"] == "automatic"
    text = response.text() + str(got)
    assert not any(secret in text for secret in ("r3g!", "k3y", "pr0t"))
    assert "username" in str(vm["containerConfiguration"])


def _refusal(batch, body):
    with pytest.raises(HttpResponseError) as refused:
        batch.pool.create(RG, "batchacct", "bad", body)
    return refused.value.status_code, refused.value.error.code, property_path(refused.value.error)


def _with(edit):
    body = full_body()
    edit(body)
    return body


@pytest.mark.parametrize(
    ("edit", "code", "target"),
    [
        (
            lambda b: _vm(b)["osDisk"].update(caching="ReadWrite"),
            "InvalidPropertyValue",
            f"{VMC}.osDisk.caching",
        ),
        (
            lambda b: _vm(b)["securityProfile"].pop("securityType"),
            "InvalidPropertyValue",
            f"{VMC}.securityProfile.uefiSettings",
        ),
        (
            lambda b: b["properties"].update(vmSize="Standard_A4_v2"),
            "InvalidPropertyValue",
            f"{VMC}.securityProfile.securityType",
        ),
        (
            lambda b: b["properties"].update(vmSize="Standard_NC6s_v3"),
            "InvalidPropertyValue",
            f"{VMC}.securityProfile.securityType",
        ),
        (
            lambda b: _vm(b)["securityProfile"].update(securityType="confidentialVM"),
            "InvalidPropertyValue",
            f"{VMC}.securityProfile.securityType",
        ),
        (
            lambda b: b["properties"]["networkConfiguration"]["endpointConfiguration"]["inboundNatPools"][
                0
            ].update(backendPort=29877),
            "InvalidPropertyValue",
            "properties.networkConfiguration.endpointConfiguration.inboundNatPools[0].backendPort",
        ),
        (
            lambda b: b["properties"]["networkConfiguration"]["endpointConfiguration"]["inboundNatPools"][
                0
            ].update(frontendPortRangeStart=50010, frontendPortRangeEnd=50100),
            "InvalidPropertyValue",
            "properties.networkConfiguration.endpointConfiguration.inboundNatPools[0].frontendPortRangeStart",
        ),
        (
            lambda b: b["properties"]["networkConfiguration"].update(
                publicIPAddressConfiguration={"provision": "NoPublicIPAddresses"}
            ),
            "InvalidPropertyValue",
            "properties.networkConfiguration.endpointConfiguration",
        ),
        (
            lambda b: b["properties"]["mountConfiguration"][1].update(
                cifsMountConfiguration={
                    "userName": "u",
                    "source": "//s/x",
                    "relativeMountPath": "x",
                    "password": "p",
                }
            ),
            "InvalidPropertyValue",
            "properties.mountConfiguration[1]",
        ),
        (
            lambda b: b["properties"]["mountConfiguration"][0]["azureFileShareConfiguration"].pop(
                "accountKey"
            ),
            "MissingRequiredProperty",
            "properties.mountConfiguration[0].azureFileShareConfiguration.accountKey",
        ),
        (
            lambda b: b["properties"].update(upgradePolicy={}),
            "MissingRequiredProperty",
            "properties.upgradePolicy.mode",
        ),
        (
            lambda b: _vm(b)["extensions"][0].pop("publisher"),
            "MissingRequiredProperty",
            f"{VMC}.extensions[0].publisher",
        ),
        (
            lambda b: (
                b["properties"].update(
                    startTask={"commandLine": "x", "containerSettings": {"imageName": "a"}}
                )
                or _vm(b).pop("containerConfiguration")
            ),
            "InvalidPropertyValue",
            "properties.startTask.containerSettings",
        ),
    ],
)
def test_sections_azure_refuses(batch, edit, code, target):
    assert _refusal(batch, _with(edit)) == (400, code, target)


def test_a_vm_size_from_the_full_catalog_is_offered(batch):
    body = pool_body("Standard_NC24ads_A100_v4", 0)
    assert raw(batch, "PUT", _pool_path(batch, "gpu"), body).status_code == 200
    body = pool_body("Standard_E16ds_v5", 0)
    assert raw(batch, "PUT", _pool_path(batch, "mem"), body).status_code == 200


def test_an_empty_mount_list_removes_the_mounts(batch):
    raw(batch, "PUT", _pool_path(batch, "full"), full_body())
    cleared = raw(batch, "PATCH", _pool_path(batch, "full"), {"properties": {"mountConfiguration": []}})
    assert cleared.status_code == 200 and "mountConfiguration" not in cleared.json()["properties"]


def test_an_extension_change_is_refused_on_an_existing_pool(batch):
    raw(batch, "PUT", _pool_path(batch, "full"), full_body())
    deployment = copy.deepcopy(full_body()["properties"]["deploymentConfiguration"])
    deployment["virtualMachineConfiguration"]["extensions"][0]["typeHandlerVersion"] = "2.0"
    response = raw(
        batch, "PATCH", _pool_path(batch, "full"), {"properties": {"deploymentConfiguration": deployment}}
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "PropertyCannotBeUpdated")


def _pool_path(batch, name):
    account = batch.batch_account.get(RG, "batchacct")
    return f"{account.id}/pools/{name}"
