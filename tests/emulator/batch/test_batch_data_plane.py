"""The Batch data plane through azure-batch's BatchClient (SharedKey), on pool state management created."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.emulator.batch.helpers import RG, make_account, pool_body
from tests.emulator.spec_schema import BATCH_DATA_SPEC, assert_matches_spec

pytestmark = pytest.mark.emulator


@pytest.fixture
def data(clean_emulator):
    clean_emulator.settings(allocation_delay_seconds=60)
    account = make_account(clean_emulator)
    keys = clean_emulator.batch_mgmt_client().batch_account.get_keys(RG, "batchacct")
    return clean_emulator.batch_data_client(account.account_endpoint, keys.primary)


def _raw(client, path: str, method: str = "GET", body=None):
    from azure.core.rest import HttpRequest

    response = client.send_request(HttpRequest(method, path, params={"api-version": "2025-06-01"}, json=body))
    response.raise_for_status()
    return response.json()


def test_supported_images_are_a_realistic_catalog_matching_the_spec(data):
    images = list(data.list_supported_images())
    # Azure lists publisher/offer in their own case (MicrosoftWindowsServer/WindowsServer): compare folded.
    by_sku = {(i.image_reference.offer.lower(), i.image_reference.sku.lower()): i for i in images}
    ubuntu24 = by_sku[("ubuntu-24_04-lts", "server")]
    assert (ubuntu24.node_agent_sku_id, ubuntu24.verification_type, ubuntu24.os_type) == (
        "batch.node.ubuntu 24.04",
        "verified",
        "linux",
    )
    assert by_sku[("0001-com-ubuntu-server-jammy", "22_04-lts")].batch_support_end_of_life.year == 2027
    assert (
        by_sku[("windowsserver", "2016-datacenter")].batch_support_end_of_life.isoformat()[:10]
        == "2027-01-12"
    )
    retired = by_sku[("0001-com-ubuntu-server-focal", "20_04-lts")]
    assert retired.batch_support_end_of_life.isoformat()[:10] == "2025-04-23"
    assert {i.verification_type for i in images} == {"verified", "unverified"}
    windows = list(data.list_supported_images(filter="osType eq 'windows'"))
    assert windows and all(i.os_type == "windows" for i in windows)
    for image in _raw(data, "/supportedimages")["value"]:
        assert_matches_spec(image, BATCH_DATA_SPEC, "BatchSupportedImage")


def test_get_pool_node_counts_and_exists_share_management_state(data, clean_emulator):
    clean_emulator.batch_mgmt_client().pool.create(RG, "batchacct", "p1", pool_body(dedicated=2))
    assert data.get_pool("p1").allocation_state == "resizing"
    clean_emulator.advance_clock(61)
    pool = data.get_pool("p1")
    assert (pool.allocation_state, pool.current_dedicated_nodes, pool.vm_size) == (
        "steady",
        2,
        "standard_d2s_v5",
    )
    assert pool.virtual_machine_configuration.node_agent_sku_id == "batch.node.ubuntu 24.04"
    assert_matches_spec(_raw(data, "/pools/p1"), BATCH_DATA_SPEC, "BatchPool")
    assert [p.id for p in data.list_pools()] == ["p1"]
    counts = list(data.list_pool_node_counts())
    assert (counts[0].pool_id, counts[0].dedicated.idle, counts[0].dedicated.total) == ("p1", 2, 2)
    assert_matches_spec(_raw(data, "/nodecounts"), BATCH_DATA_SPEC, "BatchPoolNodeCountsListResult")
    assert data.pool_exists("p1") is True
    with pytest.raises(ResourceNotFoundError):  # azure-batch's exception policy raises on the HEAD's 404
        data.pool_exists("nope")
    with pytest.raises(ResourceNotFoundError) as missing:
        data.get_pool("nope")
    assert missing.value.error.code == "PoolNotFound"


def test_enable_and_evaluate_autoscale(data, clean_emulator):
    clean_emulator.batch_mgmt_client().pool.create(RG, "batchacct", "p1", pool_body(dedicated=0))
    clean_emulator.advance_clock(61)
    with pytest.raises(HttpResponseError) as not_enabled:
        data.evaluate_pool_auto_scale("p1", {"autoScaleFormula": "$TargetDedicatedNodes = 1;"})
    assert not_enabled.value.error.code == "AutoScaleNotEnabledForPool"
    data.enable_pool_auto_scale(
        "p1", {"autoScaleFormula": "$TargetDedicatedNodes = 3;", "autoScaleEvaluationInterval": "PT5M"}
    )
    pool = data.get_pool("p1")
    assert pool.enable_auto_scale and pool.target_dedicated_nodes == 3
    run = data.evaluate_pool_auto_scale("p1", {"autoScaleFormula": "$TargetDedicatedNodes = max(1, 4);"})
    assert "$TargetDedicatedNodes=4" in run.results
    body = _raw(
        data, "/pools/p1/evaluateautoscale", "POST", {"autoScaleFormula": "$TargetDedicatedNodes = 2;"}
    )
    assert_matches_spec(body, BATCH_DATA_SPEC, "AutoScaleRun")
    with pytest.raises(HttpResponseError) as bad:
        data.evaluate_pool_auto_scale("p1", {"autoScaleFormula": "$TargetDedicatedNodes = (1"})
    assert (bad.value.status_code, bad.value.error.code) == (400, "AutoScalingFormulaSyntaxError")
    assert bad.value.error.message.startswith("The specified auto-scaling formula has a syntax error. Line 1")
    data.disable_pool_auto_scale("p1")
    assert data.get_pool("p1").enable_auto_scale is False


def test_stop_resize_and_delete_pool(data, clean_emulator):
    clean_emulator.batch_mgmt_client().pool.create(RG, "batchacct", "p1", pool_body(dedicated=2))
    data.begin_stop_pool_resize("p1", polling_interval=0).result()
    assert data.get_pool("p1").allocation_state == "steady"
    data.begin_delete_pool("p1", polling_interval=0).result()
    with pytest.raises(ResourceNotFoundError):
        data.get_pool("p1")
