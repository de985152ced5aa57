"""preflight's pure steps: the image end-of-life verdict per policy, and the ARM key-property comparison."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from batch_infra.config import load_stack_file, stack_file
from batch_infra.images import parse_images
from batch_infra.ops.plan import PlannedResource
from batch_infra.ops.preflight_arm import compare
from batch_infra.ops.preflight_pools import check_pool, desired_inputs
from batch_infra.providers.azure_clients import Target
from tests.fixtures.plans import PROJECT_DIR

TODAY = date(2026, 3, 1)
NSG = "/providers/Microsoft.Network/networkSecurityGroups/nsg"
TARGET = Target("https://management.azure.com", "11111111-1111-1111-1111-111111111111", "azure")


def image(sku: str, offer: str, eol: date | None) -> dict:
    return {
        "imageReference": {"publisher": "canonical", "offer": offer, "sku": sku, "version": "latest"},
        "nodeAgentSKUId": "batch.node.ubuntu 24.04",
        "osType": "linux",
        "verificationType": "verified",
        "batchSupportEndOfLife": f"{eol.isoformat()}T00:00:00Z" if eol else None,
    }


CATALOG = parse_images(
    [
        image("server", "ubuntu-24_04-lts", TODAY + timedelta(days=30)),
        image("server-gen1", "ubuntu-24_04-lts", TODAY + timedelta(days=400)),
    ]
)


def stack(name: str):
    return load_stack_file(stack_file(name, PROJECT_DIR), environment=name).config


def live_pool_on(sku: str) -> dict:
    return {
        "properties": {
            "allocationState": "Steady",
            "currentDedicatedNodes": 1,
            "deploymentConfiguration": {
                "virtualMachineConfiguration": {
                    "imageReference": {
                        "publisher": "canonical",
                        "offer": "ubuntu-24_04-lts",
                        "sku": sku,
                        "version": "latest",
                    },
                    "nodeAgentSkuId": "batch.node.ubuntu 24.04",
                }
            },
        }
    }


@pytest.mark.parametrize("name, verdict", [("dev", "warn"), ("prod", "fail")])
def test_an_image_near_end_of_life_warns_or_fails_per_policy_naming_the_replacement(name, verdict):
    config = stack(name)
    pool = config.pools[0]
    desired = desired_inputs(TARGET, config, pool, "acct.westeurope.batch.azure.com")
    check = check_pool(desired, live_pool_on("server"), CATALOG, TODAY)
    assert (check.image.verdict, check.image.image) == (verdict, "canonical/ubuntu-24_04-lts/server")
    assert check.image.days_left == 30 and check.image.end_of_life == "2026-03-31"
    assert check.image.replacement.startswith("canonical/ubuntu-24_04-lts/server-gen1")
    assert verdict == "warn" or not check.ok  # a failing image fails preflight (check fails `pulumi up`)


def test_a_new_pool_selects_outside_the_window_and_is_ok():
    config = stack("dev")
    desired = desired_inputs(TARGET, config, config.pools[0], "acct.westeurope.batch.azure.com")
    check = check_pool(desired, None, CATALOG, TODAY)
    assert check.action == "create" and check.image.verdict == "ok"
    assert check.image.image == "canonical/ubuntu-24_04-lts/server-gen1" and check.image.days_left == 400


def test_a_new_pool_with_every_image_in_the_window_warns_under_the_warn_policy():
    """newcomer D6: dev's policy is warn, yet a new pool with only near-end images failed preflight."""
    config = stack("dev")
    assert config.policies.image_end_of_life_action == "warn"
    desired = desired_inputs(TARGET, config, config.pools[0], "acct.westeurope.batch.azure.com")
    desired["policies"] = {**desired["policies"], "imageEndOfLifeWindowDays": 500}
    check = check_pool(desired, None, CATALOG, TODAY)
    assert (check.action, check.image.verdict) == ("create", "warn") and check.ok
    assert check.image.image == "canonical/ubuntu-24_04-lts/server-gen1"
    assert "imageEndOfLifeAction: warn" in check.image.message


def test_without_a_catalog_the_image_is_unresolved_not_invented():
    config = stack("dev")
    check = check_pool(desired_inputs(TARGET, config, config.pools[0], None), None, None, TODAY)
    assert check.image.verdict == "unresolved" and check.image.image is None and check.ok


def planned(type_token: str, **inputs) -> PlannedResource:
    return PlannedResource("urn:x", type_token, "r", None, True, inputs)


def test_arm_compare_replaces_on_location_updates_on_properties_and_names_what_azure_omits():
    storage = "azure-native:storage:StorageAccount"
    declared = planned(
        storage, location="westeurope", minimumTlsVersion="TLS1_2", allowBlobPublicAccess=False
    )
    moved = compare(declared, {"location": "northeurope", "minimum_tls_version": "TLS1_2"})
    assert (moved.action, moved.detail.split(";")[0]) == ("replace", "location northeurope -> westeurope")
    drift = compare(
        declared,
        {"location": "West Europe", "minimum_tls_version": "TLS1_0", "allow_blob_public_access": False},
    )
    assert (drift.action, drift.detail) == ("update", "minimumTlsVersion TLS1_0 -> TLS1_2")
    same = compare(declared, {"location": "westeurope", "minimum_tls_version": "tls1_2"})
    assert same.action == "no change" and "not compared: allowBlobPublicAccess" in same.detail


def test_arm_compare_names_the_security_rules_that_differ_and_ids_ignore_the_subscription():
    rule = {
        "name": "allow-out",
        "priority": 100.0,
        "direction": "Outbound",
        "access": "Allow",
        "protocol": "Tcp",
        "destinationPortRange": "443",
    }
    nsg = planned("azure-native:network:NetworkSecurityGroup", securityRules=[rule])
    live_rule = {
        "name": "allow-out",
        "priority": 100,
        "direction": "Outbound",
        "access": "Deny",
        "protocol": "Tcp",
        "destination_port_range": "443",
    }
    result = compare(nsg, {"security_rules": [live_rule]})
    assert (result.action, result.detail) == ("update", "securityRules differ in rules -> allow-out")
    subnet = planned(
        "azure-native:network:Subnet",
        networkSecurityGroup={
            "id": "/subscriptions/0000/resourceGroups/rg" + NSG
        },
    )
    live = {
        "network_security_group": {
            "id": "/subscriptions/abcd/resourcegroups/RG" + NSG
        }
    }
    assert compare(subnet, live).action == "no change"


def test_no_credential_at_all_says_how_to_sign_in():
    from azure.core.exceptions import ClientAuthenticationError

    from batch_infra.errors import AzureOperationError
    from batch_infra.ops.quota_report import _call

    def no_token():
        raise ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token")

    with pytest.raises(AzureOperationError) as caught:
        _call("reading Batch account contosodevbatch", no_token)
    text = caught.value.render()
    assert "az login" in text and "AZURE_CLIENT_ID" in text and "Reader access" not in text
