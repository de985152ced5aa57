"""What Azure refuses beyond the schema (sources in batch_mgmt/ERRORS.md), and what it no longer refuses."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from tests.emulator.batch.helpers import LOCATION, RG, detail, make_account, pool_body, property_path

pytestmark = pytest.mark.emulator
NO_VNET = "Either the specified VNet does not exist, or the Batch service does not have access to it"


def _refusal(call: Any) -> Any:
    with pytest.raises(HttpResponseError) as refused:
        call()
    return refused.value


def _subnet_id(emulator: Any, vnet: str, subnet: str) -> str:
    sub = emulator.info["subscription_id"]
    group = f"/subscriptions/{sub}/resourceGroups/{RG}"
    return f"{group}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}"


def test_a_pool_in_a_subnet_that_does_not_exist_is_refused_with_azures_reason(clean_emulator):
    make_account(clean_emulator)
    pools = clean_emulator.batch_mgmt_client().pool
    in_subnet = lambda subnet_id: pool_body(dedicated=0, networkConfiguration={"subnetId": subnet_id})  # noqa: E731
    no_vnet = _refusal(
        lambda: pools.create(RG, "batchacct", "p1", in_subnet(_subnet_id(clean_emulator, "v", "s")))
    )
    assert (no_vnet.status_code, no_vnet.error.code) == (400, "InvalidPropertyValue")
    assert detail(no_vnet.error, "Reason") == NO_VNET
    assert property_path(no_vnet.error) == "properties.networkConfiguration.subnetId"
    clean_emulator.network_client().virtual_networks.begin_create_or_update(
        RG,
        "v",
        {
            "location": LOCATION,
            "address_space": {"address_prefixes": ["10.0.0.0/16"]},
            "subnets": [{"name": "nodes", "address_prefix": "10.0.0.0/24"}],
        },
    ).result()
    no_subnet = _refusal(
        lambda: pools.create(RG, "batchacct", "p1", in_subnet(_subnet_id(clean_emulator, "v", "s")))
    )
    assert detail(no_subnet.error, "Reason") == "The specified subnet s does not exist."
    created = pools.create(RG, "batchacct", "p1", in_subnet(_subnet_id(clean_emulator, "v", "nodes")))
    assert created.network_configuration.subnet_id.endswith("/subnets/nodes")


@pytest.mark.parametrize("interval", ["PT4M59S", "PT168H1S", "P8D"])
def test_a_management_evaluation_interval_outside_5_minutes_to_168_hours_is_refused(clean_emulator, interval):
    make_account(clean_emulator)
    pools = clean_emulator.batch_mgmt_client().pool
    auto = {"autoScale": {"formula": "$TargetDedicatedNodes = 0;", "evaluationInterval": interval}}
    refused = _refusal(lambda: pools.create(RG, "batchacct", "p1", pool_body(scaleSettings=auto)))
    assert (refused.status_code, refused.error.code) == (400, "InvalidPropertyValue")
    assert property_path(refused.error) == "properties.scaleSettings.autoScale.evaluationInterval"
    auto["autoScale"]["evaluationInterval"] = "PT168H"
    assert pools.create(RG, "batchacct", "p1", pool_body(scaleSettings=auto)).scale_settings.auto_scale


def test_a_change_that_needs_an_empty_pool_waits_until_the_pool_is_steady(clean_emulator):
    make_account(clean_emulator)
    pools = clean_emulator.batch_mgmt_client().pool
    pools.create(RG, "batchacct", "p1", pool_body(dedicated=2))
    pools.update(
        RG, "batchacct", "p1", {"properties": {"scaleSettings": {"fixedScale": {"targetDedicatedNodes": 0}}}}
    )
    assert pools.get(RG, "batchacct", "p1").allocation_state == "Resizing"  # 0 nodes now, but not settled
    refused = _refusal(
        lambda: pools.update(RG, "batchacct", "p1", {"properties": {"vmSize": "Standard_D4s_v5"}})
    )
    assert (refused.status_code, refused.error.code) == (400, "PropertyCannotBeUpdated")
    assert "it is Resizing" in detail(refused.error, "Reason")
    clean_emulator.advance_clock(61)
    assert pools.update(RG, "batchacct", "p1", {"properties": {"vmSize": "Standard_D4s_v5"}}).vm_size


def test_enabling_autoscale_twice_within_30_seconds_is_refused(clean_emulator):
    account = make_account(clean_emulator)
    clean_emulator.batch_mgmt_client().pool.create(RG, "batchacct", "p1", pool_body(dedicated=0))
    clean_emulator.advance_clock(61)
    data = clean_emulator.batch_data_client(account.account_endpoint)
    enable = {"autoScaleFormula": "$TargetDedicatedNodes = 0;", "autoScaleEvaluationInterval": "PT5M"}
    data.enable_pool_auto_scale("p1", enable)
    bad_interval = _refusal(
        lambda: data.enable_pool_auto_scale("p1", {**enable, "autoScaleEvaluationInterval": "PT1M"})
    )
    assert bad_interval.error.code == "InvalidPropertyValue"  # checked first, as in the Batch SDK's own test
    throttled = _refusal(lambda: data.enable_pool_auto_scale("p1", enable))
    assert (throttled.status_code, throttled.error.code) == (409, "TooManyEnableAutoScaleRequests")
    clean_emulator.advance_clock(30)
    data.enable_pool_auto_scale("p1", enable)


def test_a_spot_target_in_a_batch_managed_account_is_allocated(clean_emulator):
    """Low-priority nodes were retired on 30 September 2025, and since March 2026 "any use of Low-priority
    properties in the Azure Batch API or SDK will automatically translate into Spot-based compute node
    allocations" under Batch managed pool allocation mode (Azure/Batch#196): Azure accepts the target."""
    make_account(clean_emulator)
    pools = clean_emulator.batch_mgmt_client().pool
    scale = {"fixedScale": {"targetDedicatedNodes": 0, "targetLowPriorityNodes": 2}}
    pools.create(RG, "batchacct", "p1", pool_body(scaleSettings=scale))
    clean_emulator.advance_clock(61)
    assert pools.get(RG, "batchacct", "p1").current_low_priority_nodes == 2
