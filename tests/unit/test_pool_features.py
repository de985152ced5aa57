"""The Pool API 2025-06-01 sections (issue 13): body with secrets, no phantom diff on read back, classes."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest

from batch_infra.config.pool_parts import ImageSelector
from batch_infra.config.pools import PoolConfig
from batch_infra.errors import BatchInfraError
from batch_infra.images import ImageSelectionError, SupportedImage, resolve
from batch_infra.pool_changes import BY_KEY, CLEARS, Change, classify
from batch_infra.providers import pool_features, pool_lifecycle, pool_spec
from batch_infra.providers.pool_readback import read_back
from tests.unit.test_pool_spec import IMAGE, SSH_ENDPOINT

NODES = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/nodes"
GALLERY = (
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/aligner/versions/1.2.0"
)
SECRETS = {
    "registryPassword": "r3g!",
    "filesKey": "a2V5",
    "sasToken": "sv=2024&sig=abc",
    "cifsPassword": "c1f$",
    "amaSettings": json.dumps({"workspaceKey": "w0rk"}),
}
GENOMICS = {
    "vmSize": "Standard_D8s_v5",
    "image": {
        "publisher": "microsoft-dsvm",
        "offer": "ubuntu-hpc",
        "sku": "2204",
        "capabilities": ["DockerCompatible"],
    },
    "identities": [NODES],
    "containerConfiguration": {
        "type": "DockerCompatible",
        "containerImageNames": ["contoso.azurecr.io/bwa:0.7.17"],
        "containerRegistries": [
            {"registryServer": "contoso.azurecr.io", "identityReference": {"resourceId": NODES}},
            {"registryServer": "docker.example.com", "username": "ci", "passwordSecret": "registryPassword"},
        ],
    },
    "mountConfiguration": [
        {
            "azureBlobFileSystemConfiguration": {
                "accountName": "refs",
                "containerName": "genomes",
                "relativeMountPath": "genomes",
                "identityReference": {"resourceId": NODES},
            }
        },
        {
            "azureBlobFileSystemConfiguration": {
                "accountName": "refs",
                "containerName": "scratch",
                "relativeMountPath": "scratch",
                "sasKeySecret": "sasToken",
            }
        },
        {
            "azureFileShareConfiguration": {
                "accountName": "refs",
                "azureFileUrl": "https://refs.file.core.windows.net/shared",
                "accountKeySecret": "filesKey",
                "relativeMountPath": "shared",
            }
        },
        {
            "nfsMountConfiguration": {
                "source": "10.0.0.4:/exports/data",
                "relativeMountPath": "nfs",
                "mountOptions": "-o vers=4.1",
            }
        },
        {
            "cifsMountConfiguration": {
                "userName": "svc",
                "source": "//files/lab",
                "relativeMountPath": "lab",
                "passwordSecret": "cifsPassword",
            }
        },
    ],
    "startTask": {
        "commandLine": "/bin/true",
        "elevation": "admin",
        "containerSettings": {
            "imageName": "contoso.azurecr.io/prep:1",
            "registry": {"registryServer": "contoso.azurecr.io", "identityReference": {"resourceId": NODES}},
        },
    },
}
GPU = {
    "securityProfile": {
        "securityType": "trustedLaunch",
        "encryptionAtHost": True,
        "uefiSettings": {"secureBootEnabled": True, "vTpmEnabled": True},
    },
    "nodePlacementConfiguration": {"policy": "Zonal"},
    "diskEncryptionConfiguration": {"targets": ["OsDisk", "TemporaryDisk"]},
    "osDisk": {"ephemeral": True, "writeAcceleratorEnabled": False},
    "extensions": [
        {
            "name": "ama",
            "publisher": "Microsoft.Azure.Monitor",
            "type": "AzureMonitorLinuxAgent",
            "typeHandlerVersion": "1.0",
            "autoUpgradeMinorVersion": True,
            "settings": {"stream": "batch"},
            "protectedSettingsSecret": "amaSettings",
        }
    ],
    "upgradePolicy": {"mode": "automatic", "automaticOSUpgradePolicy": {"enableAutomaticOSUpgrade": True}},
    "tags": {"team": "gpu"},
    "userAccounts": [{"name": "ops", "sshPublicKeys": ["ssh-ed25519 AAAAC3 ops@a"]}],
    "network": {"subnet": "environment", "endpointConfiguration": SSH_ENDPOINT},
}


# Both pools' sections in one (the start task leaves its container: SSH keys are installed on the host).
BOTH = GENOMICS | GPU | {"startTask": {"commandLine": "/bin/true", "elevation": "admin"}}


def inputs(config, secrets=SECRETS):
    body = {
        "id": "p",
        "vmSize": "Standard_D4s_v5",
        "image": {"os": "ubuntu 24.04"},
        "scale": {"targetDedicatedNodes": 1},
        **config,
    }
    pool = PoolConfig.model_validate(body)
    values = pool_spec.pool_inputs(
        pool,
        subscription_id="sub",
        resource_group_name="rg",
        account_name="acct",
        account_endpoint="acct.westeurope.batch.azure.com",
        location="westeurope",
        subnet_id="/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
        secret_values={k: secrets[k] for k in pool.secret_keys() if k in secrets},
    )
    return {**values, "resolvedImage": IMAGE}


def as_azure_answers(body):
    """Azure's answer: every secret property left out (x-ms-secret), Azure's defaults echoed."""

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in pool_features.SECRET_PROPERTIES}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    answer = strip(copy.deepcopy(body))
    for user in answer["properties"].get("userAccounts", []):
        user.pop("password", None)
    for nat in (
        answer["properties"]
        .get("networkConfiguration", {})
        .get("endpointConfiguration", {})
        .get("inboundNatPools", [])
    ):
        for rule in nat.get("networkSecurityGroupRules", []):
            rule.setdefault("sourcePortRanges", ["*"])
    answer["properties"]["allocationState"] = "Steady"
    return answer


@pytest.mark.parametrize("config", [GENOMICS, GPU], ids=["genomics", "gpu"])
def test_sections_reach_the_body_and_read_back_without_phantom_diff(config):
    given = inputs(config)
    back = read_back(as_azure_answers(pool_spec.build(given)), given)
    assert classify(pool_lifecycle.inputs_of(given), pool_lifecycle.inputs_of(back)).changes == ()


def test_secret_values_go_into_the_body_and_only_there():
    given = inputs(GENOMICS)
    body = pool_spec.build(given)
    vm = body["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]
    assert vm["containerConfiguration"]["containerRegistries"][1]["password"] == "r3g!"
    mounts = body["properties"]["mountConfiguration"]
    assert mounts[1]["azureBlobFileSystemConfiguration"]["sasKey"] == "sv=2024&sig=abc"
    assert mounts[2]["azureFileShareConfiguration"]["accountKey"] == "a2V5"
    assert mounts[4]["cifsMountConfiguration"]["password"] == "c1f$"
    bare = json.dumps(pool_spec.build(given, with_passwords=False))
    assert not any(value in bare for value in SECRETS.values())
    # The config inputs (what state shows outside secretValues) name the keys, never the values.
    visible = json.dumps({k: v for k, v in given.items() if k != "secretValues"})
    assert "registryPassword" in visible and not any(value in visible for value in SECRETS.values())
    assert "secretValues" in pool_spec.secret_output_keys(given)


def test_protected_settings_are_a_json_object_from_secret_config():
    vm = pool_spec.build(inputs(GPU))["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]
    assert vm["extensions"][0]["protectedSettings"] == {"workspaceKey": "w0rk"}
    with pytest.raises(BatchInfraError, match="not a JSON object"):
        pool_spec.build(inputs(GPU, {**SECRETS, "amaSettings": "not json"}))


def test_a_missing_secret_fails_check_with_the_config_command():
    given = inputs(GENOMICS, secrets={})
    assert pool_features.missing_secrets(given) == [
        "cifsPassword",
        "filesKey",
        "registryPassword",
        "sasToken",
    ]
    with pytest.raises(BatchInfraError, match="pulumi config set --secret batch-infra:registryPassword"):
        pool_spec.build(given)


def test_ephemeral_os_disk_is_sent_with_read_only_caching():
    vm = pool_spec.build(inputs(GPU))["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]
    assert vm["osDisk"]["caching"] == "ReadOnly" and vm["osDisk"]["ephemeralOSDiskSettings"]


def test_endpoint_configuration_and_tags_reach_azure():
    body = pool_spec.build(inputs(GPU))
    nat = body["properties"]["networkConfiguration"]["endpointConfiguration"]["inboundNatPools"][0]
    assert (nat["backendPort"], nat["networkSecurityGroupRules"][0]["sourceAddressPrefix"]) == (
        22,
        "203.0.113.0/24",
    )
    assert body["tags"] == {"team": "gpu"}


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("containerConfiguration", {"type": "CriCompatible"}, Change.WHEN_EMPTY),
        (
            "mountConfiguration",
            [{"nfsMountConfiguration": {"source": "h:/x", "relativeMountPath": "y"}}],
            Change.WHEN_EMPTY,
        ),
        ("securityProfile", {"encryptionAtHost": False}, Change.WHEN_EMPTY),
        ("nodePlacementConfiguration", {"policy": "Regional"}, Change.WHEN_EMPTY),
        ("diskEncryptionConfiguration", {"targets": ["OsDisk"]}, Change.WHEN_EMPTY),
        ("upgradePolicy", {"mode": "manual"}, Change.WHEN_EMPTY),
        ("extensions", [], Change.REPLACE),
        ("tags", {"team": "other"}, Change.WHEN_EMPTY),
    ],
)
def test_each_section_change_has_its_documented_class(key, value, expected):
    given = inputs(BOTH)
    changed = {**given, key: value}
    plan = classify(given, changed)
    assert [(c.key, c.change) for c in plan.changes] == [(key, expected)]


def test_removals_replace_where_azure_has_no_clear_and_clear_where_it_has():
    given = inputs(GPU)
    for key in ("securityProfile", "upgradePolicy", "nodePlacementConfiguration"):
        assert classify(given, {k: v for k, v in given.items() if k != key}).keys(Change.REPLACE) == [key]
    network = {**given["network"]}
    network.pop("endpointConfiguration")
    assert classify(given, {**given, "network": network}).keys(Change.REPLACE) == ["network"]
    assert CLEARS["mountConfiguration"] == []


def test_a_rotated_secret_takes_the_class_of_the_section_using_it():
    given = inputs(BOTH)

    def rotated(key):
        return classify(given, {**given, "secretValues": {**given["secretValues"], key: "new"}}).changes[0]

    assert rotated("filesKey").change is Change.WHEN_EMPTY  # mountConfiguration
    assert rotated("amaSettings").change is Change.REPLACE  # extensions
    change = rotated("registryPassword")
    assert change.new == ["registryPassword"] and "new" not in change.azure and "r3g!" not in str(change)
    assert pool_features.secret_properties(given, {"filesKey"}) == {"mountConfiguration"}


def test_every_section_rule_is_in_the_table():
    for key in (*pool_features.VM_KEYS, *pool_features.POOL_KEYS, "tags", "secretValues"):
        assert key in BY_KEY


def _catalog(eol_2204=None):
    wire = [
        {
            "nodeAgentSKUId": "batch.node.ubuntu 24.04",
            "osType": "linux",
            "verificationType": "verified",
            "imageReference": {"publisher": "canonical", "offer": "ubuntu-24_04-lts", "sku": "server"},
        },
        {
            "nodeAgentSKUId": "batch.node.ubuntu 22.04",
            "osType": "linux",
            "verificationType": "verified",
            "batchSupportEndOfLife": eol_2204,
            "imageReference": {
                "publisher": "canonical",
                "offer": "0001-com-ubuntu-server-jammy",
                "sku": "22_04-lts",
            },
        },
    ]
    return [SupportedImage.from_wire(w) for w in wire]


def test_a_gallery_image_gets_the_node_agent_of_its_os_and_its_end_of_life():
    selector = ImageSelector(virtualMachineImageId=GALLERY, os="ubuntu 24.04")
    found = resolve(selector, _catalog(), today=date(2026, 12, 1), window_days=90, action="fail")
    assert found.record["id"] == GALLERY and found.record["nodeAgentSkuId"] == "batch.node.ubuntu 24.04"
    body = pool_spec.build({**inputs({}), "resolvedImage": found.record})
    vm = body["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]
    assert vm["imageReference"] == {"id": GALLERY} and vm["nodeAgentSkuId"] == "batch.node.ubuntu 24.04"
    old = ImageSelector(virtualMachineImageId=GALLERY, nodeAgentSkuId="batch.node.ubuntu 22.04")
    with pytest.raises(ImageSelectionError, match="node agent SKU ends within"):
        resolve(old, _catalog("2027-01-15T00:00:00Z"), today=date(2026, 12, 1), window_days=90, action="fail")
    warned = resolve(
        old, _catalog("2027-01-15T00:00:00Z"), today=date(2026, 12, 1), window_days=90, action="warn"
    )
    assert "rebuild the image" in warned.warnings[0]


def test_a_gallery_image_reads_back_without_phantom_diff():
    record = {"id": GALLERY, "nodeAgentSkuId": "batch.node.ubuntu 24.04", "endOfLife": None, "selector": "{}"}
    given = {**inputs({}), "resolvedImage": record}
    answer = as_azure_answers(pool_spec.build(given))
    answer["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]["imageReference"] = {
        "id": GALLERY.upper()
    }
    back = read_back(answer, given)
    assert classify(pool_lifecycle.inputs_of(given), pool_lifecycle.inputs_of(back)).changes == ()


def test_preflight_plans_a_gallery_pool_and_each_new_section():
    from batch_infra.ops.preflight_pools import check_pool

    desired = inputs({"image": {"virtualMachineImageId": GALLERY, "os": "ubuntu 24.04"}})
    desired.pop("resolvedImage")
    today = date(2026, 12, 1)
    created = check_pool(desired, None, _catalog(), today)
    assert (created.action, created.image.image, created.image.node_agent_sku_id) == (
        "create",
        GALLERY,
        "batch.node.ubuntu 24.04",
    )
    record = resolve(
        ImageSelector(virtualMachineImageId=GALLERY, os="ubuntu 24.04"),
        _catalog(),
        today=today,
        window_days=90,
        action="fail",
    ).record
    live = as_azure_answers(pool_spec.build({**desired, "resolvedImage": record}))
    live["properties"].update(currentDedicatedNodes=1)
    assert check_pool(desired, live, _catalog(), today).action == "no change"
    mounted = {
        **desired,
        "mountConfiguration": [
            {"nfsMountConfiguration": {"source": "10.0.0.4:/x", "relativeMountPath": "x"}}
        ],
    }
    planned = check_pool(mounted, live, _catalog(), today)
    assert planned.action == "fails" and "mountConfiguration" in planned.detail
