"""`batch-infra preflight` on the emulator: a fresh target plans create; one holding the stack, no change."""

from __future__ import annotations

import json

import pytest

from batch_infra.cli.main import main
from batch_infra.config import load_stack_file, stack_file
from tests.fixtures.plans import PROJECT_DIR

pytestmark = pytest.mark.emulator
DEV = load_stack_file(stack_file("dev", PROJECT_DIR), environment="dev").config
UBUNTU_24 = {"publisher": "canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"}


def preflight(capsys) -> tuple[int, dict]:
    code = main(["preflight", "--stack", "dev", "--json", "--project-dir", str(PROJECT_DIR)])
    return code, json.loads(capsys.readouterr().out)["preflight"]


def deploy_dev(emulator) -> None:
    """The dev stack's resources, created through the SDKs with the names, locations and tags it declares."""
    names, tags, where = DEV.names(), DEV.all_tags(), DEV.location
    group = names.resource_group
    emulator.resource_client().resource_groups.create_or_update(group, {"location": where, "tags": tags})
    emulator.storage_client().storage_accounts.begin_create(
        group,
        names.storage_account,
        {"location": where, "tags": tags, "kind": "StorageV2", "sku": {"name": "Standard_LRS"}},
    ).result()
    network = emulator.network_client()
    network.network_security_groups.begin_create_or_update(
        group, names.network_security_group, {"location": where, "tags": tags}
    ).result()
    network.virtual_networks.begin_create_or_update(
        group,
        names.virtual_network,
        {"location": where, "tags": tags, "address_space": {"address_prefixes": ["10.10.0.0/16"]}},
    ).result()
    network.subnets.begin_create_or_update(
        group, names.virtual_network, names.subnet, {"address_prefix": "10.10.0.0/22"}
    ).result()
    batch = emulator.batch_mgmt_client()
    batch.batch_account.begin_create(
        group, names.batch_account, {"location": where, "tags": tags, "properties": {}}
    ).result()
    batch.application.create(
        group,
        names.batch_account,
        "renderer",
        {"properties": {"displayName": "Frame renderer", "allowUpdates": True}},
    )
    pool = DEV.pools[0]
    batch.pool.create(
        group,
        names.batch_account,
        pool.id,
        {
            "properties": {
                "displayName": pool.display_name,
                "vmSize": pool.vm_size,
                "taskSlotsPerNode": pool.task_slots_per_node,
                "metadata": [{"name": k, "value": v} for k, v in pool.metadata.items()],
                "deploymentConfiguration": {
                    "virtualMachineConfiguration": {
                        "imageReference": UBUNTU_24,
                        "nodeAgentSkuId": "batch.node.ubuntu 24.04",
                    }
                },
                "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 1}},
            }
        },
    )


def test_a_fresh_target_plans_every_resource_as_create(capsys, clean_emulator, emulator_env):
    code, result = preflight(capsys)
    assert code == 0 and result["ok"]
    actions = {r["name"]: r["action"] for r in result["resources"]}
    assert actions["batch-rg"] == actions["batch-account-batch"] == actions["batch-network-vnet"] == "create"
    assert actions["batch-quota"] == "check"
    assert [(p["pool_id"], p["action"]) for p in result["pools"]] == [("dev-small", "create")]


def test_a_target_holding_the_stack_reports_no_changes(capsys, clean_emulator, emulator_env):
    deploy_dev(clean_emulator)
    code, result = preflight(capsys)
    assert code == 0
    arm = {r["name"]: r["action"] for r in result["resources"] if r["type"].startswith("azure-native:")}
    assert set(arm.values()) == {"no change"}, arm
    assert [(p["pool_id"], p["action"]) for p in result["pools"]] == [("dev-small", "no change")]
    assert result["quotas"]["account_exists"] is True


def test_a_changed_pool_is_classified_and_a_quota_shortfall_exits_1(capsys, clean_emulator, emulator_env):
    deploy_dev(clean_emulator)
    names = DEV.names()
    clean_emulator.batch_mgmt_client().pool.update(
        names.resource_group,
        names.batch_account,
        "dev-small",
        {"properties": {"metadata": [{"name": "purpose", "value": "x"}]}},
    )
    clean_emulator.set_quotas(names.batch_account, dedicatedCoreQuota=0)
    code, result = preflight(capsys)
    assert code == 1 and not result["ok"]
    pool = result["pools"][0]
    assert pool["action"] == "update" and "metadata" in pool["detail"] and "update-live" in pool["detail"]
