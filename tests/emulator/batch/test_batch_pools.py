"""Pools through azure-mgmt-batch: create/get/update/delete, allocation over the clock, Azure validations."""

from __future__ import annotations

import pytest
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.emulator.batch.helpers import RG, detail, make_account, pool_body, property_path, raw
from tests.emulator.spec_schema import BATCH_MGMT_SPEC, assert_matches_spec

pytestmark = pytest.mark.emulator


@pytest.fixture
def batch(clean_emulator):
    clean_emulator.settings(allocation_delay_seconds=60)
    make_account(clean_emulator)
    return clean_emulator.batch_mgmt_client()


def test_create_resizes_then_becomes_steady_when_the_clock_passes_the_delay(batch, clean_emulator):
    pool, headers = batch.pool.create(
        RG, "batchacct", "p1", pool_body(dedicated=2), cls=lambda _response, body, headers: (body, headers)
    )
    assert (pool.allocation_state, pool.current_dedicated_nodes) == ("Resizing", 0)
    assert pool.etag == headers["ETag"] and pool.etag.startswith('W/"0x')
    clean_emulator.advance_clock(61)
    steady = batch.pool.get(RG, "batchacct", "p1")
    assert (steady.allocation_state, steady.current_dedicated_nodes) == ("Steady", 2)
    assert steady.resize_operation_status.errors is None
    body = raw(batch, "GET", pool.id).json()
    assert_matches_spec(body, BATCH_MGMT_SPEC, "Pool")
    assert_matches_spec(
        raw(batch, "GET", pool.id.rsplit("/", 1)[0]).json(), BATCH_MGMT_SPEC, "ListPoolsResult"
    )


def test_property_cannot_be_updated_while_the_pool_has_nodes(batch, clean_emulator):
    batch.pool.create(RG, "batchacct", "p1", pool_body(dedicated=1))
    clean_emulator.advance_clock(61)
    with pytest.raises(HttpResponseError) as refused:
        batch.pool.update(RG, "batchacct", "p1", {"properties": {"vmSize": "Standard_D4s_v5"}})
    assert (refused.value.status_code, refused.value.error.code) == (400, "PropertyCannotBeUpdated")
    error = refused.value.error
    assert (error.message, error.target, property_path(error), detail(error, "PropertyName")) == (
        "A property that cannot be updated was specified as part of the request.",  # Azure/Batch#85
        "BatchAccount",
        "properties.vmSize",
        "vmSize",
    )
    assert "0 nodes" in detail(error, "Reason")
    live = batch.pool.update(
        RG,
        "batchacct",
        "p1",
        {
            "properties": {
                "metadata": [{"name": "a", "value": "b"}],
                "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 0}},
            }
        },
    )
    assert live.metadata[0].value == "b" and live.allocation_state == "Resizing"
    clean_emulator.advance_clock(61)
    assert batch.pool.get(RG, "batchacct", "p1").current_dedicated_nodes == 0
    empty = batch.pool.update(RG, "batchacct", "p1", {"properties": {"vmSize": "Standard_D4s_v5"}})
    assert empty.vm_size == "Standard_D4s_v5"


def test_etag_mismatch_is_412_and_if_none_match_protects_creates(batch):
    pool = batch.pool.create(RG, "batchacct", "p1", pool_body())
    with pytest.raises(HttpResponseError) as stale:
        batch.pool.update(
            RG,
            "batchacct",
            "p1",
            {"properties": {"metadata": []}},
            etag='W/"0x8DSTALE"',
            match_condition=MatchConditions.IfNotModified,
        )
    assert stale.value.status_code == 412
    updated = batch.pool.update(
        RG,
        "batchacct",
        "p1",
        {"properties": {"metadata": [{"name": "k", "value": "v"}]}},
        etag=pool.etag,
        match_condition=MatchConditions.IfNotModified,
    )
    assert updated.etag != pool.etag
    with pytest.raises(HttpResponseError) as exists:
        batch.pool.create(RG, "batchacct", "p1", pool_body(), match_condition=MatchConditions.IfMissing)
    assert exists.value.status_code == 412


@pytest.mark.parametrize(
    ("change", "code", "target"),
    [
        ({"vmSize": "Standard_NOPE_v9"}, "InvalidPropertyValue", "properties.vmSize"),
        (
            {
                "deploymentConfiguration": {
                    "virtualMachineConfiguration": {
                        "imageReference": {
                            "publisher": "canonical",
                            "offer": "ubuntu-24_04-lts",
                            "sku": "server",
                        },
                        "nodeAgentSkuId": "batch.node.ubuntu 22.04",
                    }
                }
            },
            "InvalidPropertyValue",
            "properties.deploymentConfiguration.virtualMachineConfiguration.nodeAgentSkuId",
        ),
        (
            {
                "deploymentConfiguration": {
                    "virtualMachineConfiguration": {
                        "imageReference": {
                            "publisher": "canonical",
                            "offer": "0001-com-ubuntu-server-focal",
                            "sku": "20_04-lts",
                        },
                        "nodeAgentSkuId": "batch.node.ubuntu 20.04",
                    }
                }
            },
            "InvalidPropertyValue",
            "properties.deploymentConfiguration.virtualMachineConfiguration.imageReference",
        ),
        (
            {"scaleSettings": {"autoScale": {"formula": "$TargetDedicatedNodes = (1"}}},
            "AutoScalingFormulaSyntaxError",
            "properties.scaleSettings.autoScale.formula",
        ),
        (
            {"scaleSettings": {"autoScale": {"formula": "$TargetDedicatedNodes = $NoSuchVariable;"}}},
            "InvalidAutoScalingSettings",
            "properties.scaleSettings.autoScale.formula",
        ),
        (
            {"scaleSettings": {"autoScale": {"formula": "$TargetDedicatedNodes = 1;" * 1000}}},
            "AutoScalingFormulaTooLong",
            "properties.scaleSettings.autoScale.formula",
        ),
        ({"taskSlotsPerNode": 9}, "InvalidPropertyValue", "properties.taskSlotsPerNode"),
    ],
)
def test_azure_validations_refuse_bad_pools(batch, change, code, target):
    body = pool_body()
    body["properties"].update(change)
    with pytest.raises(HttpResponseError) as refused:
        batch.pool.create(RG, "batchacct", "bad", body)
    assert (refused.value.status_code, refused.value.error.code, property_path(refused.value.error)) == (
        400,
        code,
        target,
    )


def test_retired_features_are_refused(batch):
    body = pool_body()
    body["properties"]["certificates"] = [{"id": "x", "storeLocation": "CurrentUser"}]
    response = raw(batch, "PUT", f"{_account_id(batch)}/pools/cert", body)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "CertificateRetired")


def test_core_quota_shortfall_is_a_resize_error_with_capped_nodes(batch, clean_emulator):
    clean_emulator.set_quotas(
        "batchacct", dedicatedCoreQuotaPerVMFamily=[{"name": "standardDSv5Family", "coreQuota": 6}]
    )
    batch.pool.create(RG, "batchacct", "big", pool_body(dedicated=5))
    clean_emulator.advance_clock(61)
    pool = batch.pool.get(RG, "batchacct", "big")
    assert (pool.allocation_state, pool.current_dedicated_nodes) == ("Steady", 3)
    assert [e.code for e in pool.resize_operation_status.errors] == ["AccountCoreQuotaReached"]
    assert_matches_spec(raw(batch, "GET", pool.id).json(), BATCH_MGMT_SPEC, "Pool")


def test_pool_quota_refuses_another_pool(batch, clean_emulator):
    clean_emulator.set_quotas("batchacct", poolQuota=1)
    batch.pool.create(RG, "batchacct", "p1", pool_body(dedicated=0))
    with pytest.raises(HttpResponseError) as refused:
        batch.pool.create(RG, "batchacct", "p2", pool_body(dedicated=0))
    assert (refused.value.status_code, refused.value.error.code) == (409, "PoolQuotaReached")


def test_autoscale_disable_stop_resize_and_delete(batch, clean_emulator):
    body = pool_body()
    body["properties"]["scaleSettings"] = {
        "autoScale": {"formula": "$TargetDedicatedNodes = 2;", "evaluationInterval": "PT5M"}
    }
    pool = batch.pool.create(RG, "batchacct", "auto", body)
    assert pool.auto_scale_run.results.startswith("$TargetDedicatedNodes=2")
    stopped = batch.pool.stop_resize(RG, "batchacct", "auto")
    assert (stopped.allocation_state, stopped.current_dedicated_nodes) == ("Stopping", 0)
    clean_emulator.advance_clock(1)  # past stop_resize_delay_seconds
    steady = batch.pool.get(RG, "batchacct", "auto")
    assert (steady.allocation_state, steady.current_dedicated_nodes) == ("Steady", 0)
    fixed = batch.pool.disable_auto_scale(RG, "batchacct", "auto")
    assert (
        fixed.scale_settings.fixed_scale.target_dedicated_nodes == 2
        and fixed.scale_settings.auto_scale is None
    )
    batch.pool.begin_delete(RG, "batchacct", "auto").result()
    with pytest.raises(ResourceNotFoundError):
        batch.pool.get(RG, "batchacct", "auto")


def _account_id(batch) -> str:
    return batch.batch_account.get(RG, "batchacct").id


def test_stop_resize_is_stopping_for_the_configured_delay_then_steady_with_the_nodes_it_had(
    batch, clean_emulator
):
    clean_emulator.settings(allocation_delay_seconds=0, stop_resize_delay_seconds=30)
    batch.pool.create(RG, "batchacct", "p1", pool_body(dedicated=2))
    clean_emulator.settings(allocation_delay_seconds=600)
    grow = {"properties": {"scaleSettings": {"fixedScale": {"targetDedicatedNodes": 5}}}}
    assert batch.pool.update(RG, "batchacct", "p1", grow).allocation_state == "Resizing"
    stopped = batch.pool.stop_resize(RG, "batchacct", "p1")
    assert (stopped.allocation_state, stopped.current_dedicated_nodes) == ("Stopping", 2)
    clean_emulator.advance_clock(29)
    assert batch.pool.get(RG, "batchacct", "p1").allocation_state == "Stopping"
    assert batch.pool.stop_resize(RG, "batchacct", "p1").allocation_state == "Stopping"  # no second stop
    clean_emulator.advance_clock(2)
    steady = batch.pool.get(RG, "batchacct", "p1")
    assert (steady.allocation_state, steady.current_dedicated_nodes) == ("Steady", 2)
    assert (steady.allocation_state_transition_time - stopped.allocation_state_transition_time).seconds == 30


def test_a_formula_change_resizes_only_after_autoscale_resize_delay_seconds(batch, clean_emulator):
    clean_emulator.settings(allocation_delay_seconds=0, autoscale_resize_delay_seconds=30)
    body = pool_body()
    body["properties"]["scaleSettings"] = {"autoScale": {"formula": "$TargetDedicatedNodes = 2;"}}
    batch.pool.create(RG, "batchacct", "auto", body)
    assert batch.pool.get(RG, "batchacct", "auto").current_dedicated_nodes == 2  # creation: at once
    zero = {"properties": {"scaleSettings": {"autoScale": {"formula": "$TargetDedicatedNodes = 0;"}}}}
    changed = batch.pool.update(RG, "batchacct", "auto", zero)
    assert (changed.allocation_state, changed.current_dedicated_nodes) == ("Steady", 2)
    clean_emulator.advance_clock(29)
    assert batch.pool.get(RG, "batchacct", "auto").current_dedicated_nodes == 2
    clean_emulator.advance_clock(2)
    emptied = batch.pool.get(RG, "batchacct", "auto")
    assert (emptied.allocation_state, emptied.current_dedicated_nodes) == ("Steady", 0)
    assert emptied.auto_scale_run.results.startswith("$TargetDedicatedNodes=0")
