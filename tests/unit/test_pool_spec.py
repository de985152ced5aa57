"""Pool inputs -> Azure body -> inputs again is lossless (no phantom diffs), and check's offline rules."""

from __future__ import annotations

import base64
import copy

import pytest
from pulumi.output import Unknown

from batch_infra.config.pools import PoolConfig
from batch_infra.pool_changes import classify
from batch_infra.providers import pool_lifecycle, pool_spec
from batch_infra.providers.pool_readback import read_back

IDENTITY = (
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/nodes"
)
IMAGE = {
    "publisher": "canonical",
    "offer": "ubuntu-24_04-lts",
    "sku": "server",
    "version": "latest",
    "nodeAgentSkuId": "batch.node.ubuntu 24.04",
    "endOfLife": None,
    "selector": "{}",
}
# Batch opens no SSH port by default (API 2024-07-01+): SSH users need this NAT pool (else config refuses).
SSH_ENDPOINT = {"inboundNatPools": [{
    "name": "ssh", "protocol": "TCP", "backendPort": 22, "frontendPortRangeStart": 40000,
    "frontendPortRangeEnd": 40099,
    "networkSecurityGroupRules": [
        {"priority": 150, "access": "Allow", "sourceAddressPrefix": "203.0.113.0/24"}
    ],
}]}
CONFIGS = {
    "minimal": {"scale": {"targetDedicatedNodes": 1}},
    "fixed-everything": {
        "displayName": "Render",
        "scale": {
            "targetDedicatedNodes": 2,
            "targetSpotNodes": 0,
            "resizeTimeout": "PT30M",
            "nodeDeallocationOption": "TaskCompletion",
        },
        "taskSlotsPerNode": 4,
        "nodeFillType": "Pack",
        "metadata": {"a": "1", "b": "2"},
        "osDisk": {"ephemeral": True, "diskSizeGB": 64},
        "dataDisks": [{"lun": 1, "diskSizeGB": 10}],
        "network": {"subnet": "environment", "publicIpProvisioning": "NoPublicIPAddresses"},
        "applicationPackages": [{"application": "renderer", "version": "2.4.0"}, {"application": "ffmpeg"}],
        "startTask": {
            "commandLine": "/bin/true",
            "resourceFiles": [
                {"autoStorageContainerName": "scripts", "blobPrefix": "render/"},
                {"httpUrl": "https://example.com/a.sh", "filePath": "a.sh", "fileMode": "0755"},
            ],
            "environment": {"X": "1"},
            "elevation": "admin",
            "maxTaskRetryCount": -1,
        },
    },
    "autoscale": {
        "scale": {"formula": "$TargetDedicatedNodes = 3;", "maxDedicatedNodes": 5, "maxSpotNodes": 0}
    },
    "keys-and-certificates": {
        "scale": {"targetDedicatedNodes": 1},
        "identities": [IDENTITY],
        "certificates": {
            "certificateUrls": ["https://kvprod.vault.azure.net/secrets/tls"],
            "identity": IDENTITY,
        },
        "userAccounts": [
            {"name": "ops", "sshPublicKeys": ["ssh-ed25519 AAAAC3 ops@a", "ssh-rsa AAAAB3 ops@b"]},
            {"name": "svc", "passwordSecret": "svcPassword", "uid": 1001, "gid": 1001},
        ],
        "network": {"subnet": "environment", "endpointConfiguration": SSH_ENDPOINT},
    },
}


def inputs(**config):
    config.setdefault("scale", {"targetDedicatedNodes": 1})
    pool = PoolConfig.model_validate(
        {"id": "render", "vmSize": "Standard_D4s_v5", "image": {"os": "ubuntu 24.04"}, **config}
    )
    values = pool_spec.pool_inputs(
        pool,
        subscription_id="sub",
        resource_group_name="rg",
        account_name="acct",
        account_endpoint="acct.westeurope.batch.azure.com",
        location="westeurope",
        subnet_id="/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
        user_passwords={"svc": "s3cret"} if config.get("userAccounts") else None,
        certificate_identity_client_id="client-id" if config.get("certificates") else None,
    )
    return {**values, "resolvedImage": IMAGE}


def as_azure_answers(body):
    """What Azure echoes: ids re-cased, no passwords, read-only state added."""
    pool = copy.deepcopy(body)
    for user in pool["properties"].get("userAccounts", []):
        user.pop("password")
    pool["properties"].update(allocationState="Steady", currentDedicatedNodes=1, vmSize="standard_d4s_v5")
    ids = pool.get("identity", {}).get("userAssignedIdentities")
    if ids:
        pool["identity"]["userAssignedIdentities"] = {k.upper(): v for k, v in ids.items()}
    return pool


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_build_then_read_back_has_no_phantom_diff(name):
    given = inputs(**CONFIGS[name])
    back = read_back(as_azure_answers(pool_spec.build(given)), given)
    assert classify(pool_lifecycle.inputs_of(given), pool_lifecycle.inputs_of(back)).changes == ()


def test_out_of_band_changes_are_seen():
    given = inputs(**CONFIGS["fixed-everything"])
    answer = as_azure_answers(pool_spec.build(given))
    answer["properties"]["taskSlotsPerNode"] = 2
    answer["properties"]["scaleSettings"]["fixedScale"]["targetDedicatedNodes"] = 7
    plan = classify(pool_lifecycle.inputs_of(given), pool_lifecycle.inputs_of(read_back(answer, given)))
    assert sorted(c.key for c in plan.changes) == ["scale", "taskSlotsPerNode"]


def test_autoscale_cap_is_appended_and_read_back_to_the_written_formula():
    given = inputs(**CONFIGS["autoscale"])
    formula = pool_spec.build(given)["properties"]["scaleSettings"]["autoScale"]["formula"]
    assert formula.startswith("$TargetDedicatedNodes = 3;")
    assert "$TargetDedicatedNodes = min($TargetDedicatedNodes, 5);" in formula
    assert "$TargetLowPriorityNodes = min($TargetLowPriorityNodes, 0);" in formula
    edited = as_azure_answers(pool_spec.build(given))
    edited["properties"]["scaleSettings"]["autoScale"]["formula"] = "$TargetDedicatedNodes = 9;"
    assert read_back(edited, given)["scale"]["formula"] == "$TargetDedicatedNodes = 9;"


def test_key_vault_extension_shape_for_windows_pools():
    given = inputs(
        scale={"targetDedicatedNodes": 1},
        identities=[IDENTITY],
        certificates={
            "certificateUrls": ["https://kvprod.vault.azure.net/secrets/tls"],
            "identity": IDENTITY,
        },
    )
    given["image"] = {"os": "windows 2022"}
    given["resolvedImage"] = {
        **IMAGE,
        "publisher": "microsoftwindowsserver",
        "offer": "windowsserver",
        "sku": "2022-datacenter",
        "nodeAgentSkuId": "batch.node.windows amd64",
    }
    (extension,) = pool_spec.build(given)["properties"]["deploymentConfiguration"][
        "virtualMachineConfiguration"
    ]["extensions"]
    assert extension["type"] == "KeyVaultForWindows" and extension["typeHandlerVersion"] == "3.0"
    observed = extension["settings"]["secretsManagementSettings"]["observedCertificates"]
    assert observed == [
        {
            "url": "https://kvprod.vault.azure.net/secrets/tls",
            "certificateStoreName": "MY",
            "certificateStoreLocation": "LocalMachine",
        }
    ]
    assert extension["settings"]["authenticationSettings"]["msiClientId"] == "client-id"


def test_passwords_come_from_secrets_and_key_only_users_get_an_unstored_random_one():
    given = inputs(**CONFIGS["keys-and-certificates"])
    users = {u["name"]: u for u in pool_spec.build(given)["properties"]["userAccounts"]}
    assert users["svc"]["password"] == "s3cret"
    again = {u["name"]: u for u in pool_spec.build(given)["properties"]["userAccounts"]}
    assert len(users["ops"]["password"]) >= 24 and users["ops"]["password"] != again["ops"]["password"]
    env = {
        e["name"]: e["value"]
        for e in pool_spec.build(given)["properties"]["startTask"]["environmentSettings"]
    }
    assert base64.b64decode(env["BATCH_INFRA_SSH_KEYS"]).decode().splitlines() == [
        "ops ssh-ed25519 AAAAC3 ops@a",
        "ops ssh-rsa AAAAB3 ops@b",
    ]


def test_secret_outputs_include_the_start_task_only_with_a_sas():
    plain = ["userPasswords", "secretValues"]
    assert pool_spec.secret_output_keys(inputs(scale={"targetDedicatedNodes": 1})) == plain
    sas = inputs(
        scale={"targetDedicatedNodes": 1},
        startTask={
            "commandLine": "/bin/true",
            "resourceFiles": [{"storageContainerUrl": "https://s.blob.core.windows.net/c?sv=2024&sig=abc"}],
        },
    )
    assert pool_spec.secret_output_keys(sas) == [*plain, "startTask"]


def test_check_in_preview_skips_azure_when_the_account_is_not_known_yet():
    preview = {**inputs(), "accountEndpoint": Unknown()}  # what the provider server hands over
    preview.pop("resolvedImage")
    result = pool_lifecycle.check({}, preview)  # would fail on any network call: no emulator, no Azure
    assert result.failures == [] and "resolvedImage" not in result.inputs


def test_check_reports_config_errors_with_their_key_path():
    bad = {**inputs(), "scale": {"targetDedicatedNodes": 1, "formula": "$TargetDedicatedNodes = 1;"}}
    result = pool_lifecycle.check({}, bad)
    assert [f.property for f in result.failures] == ["scale.formula"]  # the key the rule names
    assert "never both" in result.failures[0].reason


def test_a_recased_pool_id_or_account_name_is_no_change():
    """Batch compares pool ids (and ARM names) case-insensitively: re-casing replaces nothing."""
    olds = inputs()
    recased = {**olds, "id": olds["id"].upper(), "accountName": olds["accountName"].upper()}
    diff = pool_lifecycle.diff(olds, recased)
    assert diff.changes is False and diff.replaces == []
    assert pool_lifecycle.diff(olds, {**olds, "id": "other"}).replaces == ["id"]
