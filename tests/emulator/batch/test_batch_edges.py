"""Edge behaviour through the real SDK clients: limits, auth modes, paging, the autoscale timer, regions."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from tests.emulator.batch.helpers import RG, make_account, pool_body

pytestmark = pytest.mark.emulator


def test_twenty_applications_per_account_and_the_list_call(clean_emulator):
    make_account(clean_emulator)
    apps = clean_emulator.batch_mgmt_client().application
    for n in range(20):
        apps.create(RG, "batchacct", f"app{n:02d}", {"properties": {"displayName": f"App {n}"}})
    with pytest.raises(HttpResponseError) as refused:
        apps.create(RG, "batchacct", "app20")
    assert (refused.value.status_code, refused.value.error.code) == (409, "ApplicationQuotaReached")
    listed = sorted(a.name for a in apps.list(RG, "batchacct"))
    assert listed == [f"app{n:02d}" for n in range(20)]
    apps.create(
        RG, "batchacct", "app05", {"properties": {"allowUpdates": False}}
    )  # updating is not a new app
    assert apps.get(RG, "batchacct", "app05").allow_updates is False


def test_forty_packages_per_application(clean_emulator):
    make_account(clean_emulator, storage="batchstore01")
    client = clean_emulator.batch_mgmt_client()
    client.application.create(RG, "batchacct", "tool")
    for n in range(40):
        client.application_package.create(RG, "batchacct", "tool", f"1.0.{n}")
    with pytest.raises(HttpResponseError) as refused:
        client.application_package.create(RG, "batchacct", "tool", "1.0.40")
    assert (refused.value.status_code, refused.value.error.code) == (409, "ApplicationPackageQuotaReached")
    client.application_package.delete(RG, "batchacct", "tool", "1.0.0")
    assert client.application_package.create(RG, "batchacct", "tool", "1.0.40").state == "Pending"
    assert len(list(client.application_package.list(RG, "batchacct", "tool"))) == 40


def test_an_account_without_shared_key_refuses_keys_and_shared_key_calls(clean_emulator):
    account = make_account(clean_emulator)
    mgmt = clean_emulator.batch_mgmt_client()
    key = mgmt.batch_account.get_keys(RG, "batchacct").primary
    mgmt.batch_account.update(RG, "batchacct", {"properties": {"allowedAuthenticationModes": ["AAD"]}})
    for call in (
        lambda: mgmt.batch_account.get_keys(RG, "batchacct"),
        lambda: mgmt.batch_account.regenerate_key(RG, "batchacct", {"keyName": "Primary"}),
    ):
        with pytest.raises(HttpResponseError) as refused:
            call()
        assert (refused.value.status_code, refused.value.error.code) == (
            409,
            "SharedKeyAuthenticationDisabled",
        )
    with pytest.raises(HttpResponseError) as denied:
        list(clean_emulator.batch_data_client(account.account_endpoint, key).list_pools())
    assert (denied.value.status_code, denied.value.error.code) == (403, "AuthenticationFailed")
    assert "allowedAuthenticationModes" in str(denied.value)
    assert list(clean_emulator.batch_data_client(account.account_endpoint).list_pools()) == []  # Entra ID
    mgmt.batch_account.update(RG, "batchacct", {"properties": {"allowedAuthenticationModes": ["SharedKey"]}})
    assert list(clean_emulator.batch_data_client(account.account_endpoint, key).list_pools()) == []


def test_data_plane_lists_page_with_odata_next_link(clean_emulator):
    account = make_account(clean_emulator)
    mgmt = clean_emulator.batch_mgmt_client()
    names = [f"p{n}" for n in range(5)]
    for name in names:
        mgmt.pool.create(RG, "batchacct", name, pool_body(dedicated=0))
    key = mgmt.batch_account.get_keys(RG, "batchacct").primary
    data = clean_emulator.batch_data_client(account.account_endpoint, key)
    clean_emulator.clear_requests()
    assert sorted(p.id for p in data.list_pools(max_results=2)) == names
    assert len(list(data.list_supported_images(max_results=3))) == len(list(data.list_supported_images()))
    pool_pages = [r for r in clean_emulator.requests() if r["path"].endswith("/pools")]
    assert [r["status"] for r in pool_pages] == [200, 200, 200]  # 2 + 2 + 1, signed with SharedKey each time


def test_autoscale_runs_again_every_evaluation_interval_on_the_pool_state(clean_emulator):
    clean_emulator.settings(allocation_delay_seconds=60)
    make_account(clean_emulator)
    mgmt = clean_emulator.batch_mgmt_client()
    formula = "$TargetDedicatedNodes = min(3, $CurrentDedicatedNodes + 1);"
    scale = {"autoScale": {"formula": formula, "evaluationInterval": "PT5M"}}
    first = mgmt.pool.create(RG, "batchacct", "grow", pool_body(scaleSettings=scale))
    assert first.resize_operation_status.target_dedicated_nodes == 1
    clean_emulator.advance_clock(61)
    assert mgmt.pool.get(RG, "batchacct", "grow").current_dedicated_nodes == 1
    clean_emulator.advance_clock(240)  # 301 s after creation: the second run sees 1 node and asks for 2
    second = mgmt.pool.get(RG, "batchacct", "grow")
    assert second.resize_operation_status.target_dedicated_nodes == 2
    assert second.auto_scale_run.evaluation_time > first.auto_scale_run.evaluation_time
    clean_emulator.advance_clock(3600)  # twelve more runs: 2 -> 3, then the cap holds
    settled = mgmt.pool.get(RG, "batchacct", "grow")
    assert (settled.current_dedicated_nodes, settled.allocation_state) == (3, "Steady")
    assert "$TargetDedicatedNodes=3" in settled.auto_scale_run.results


def test_the_same_account_name_in_two_regions_has_two_data_planes(clean_emulator):
    west = make_account(clean_emulator)
    mgmt = clean_emulator.batch_mgmt_client()
    clean_emulator.resource_client().resource_groups.create_or_update("rg-north", {"location": "northeurope"})
    north = mgmt.batch_account.begin_create(
        "rg-north", "batchacct", {"location": "northeurope"}, polling_interval=0
    ).result()
    assert west.account_endpoint.endswith("/batch/westeurope/batchacct")
    assert north.account_endpoint.endswith("/batch/northeurope/batchacct")
    mgmt.pool.create(RG, "batchacct", "west-pool", pool_body(dedicated=0))
    mgmt.pool.create("rg-north", "batchacct", "north-pool", pool_body(dedicated=0))
    for account, group, pool in ((west, RG, "west-pool"), (north, "rg-north", "north-pool")):
        key = mgmt.batch_account.get_keys(group, "batchacct").primary
        assert [
            p.id for p in clean_emulator.batch_data_client(account.account_endpoint, key).list_pools()
        ] == [pool]
    west_key = mgmt.batch_account.get_keys(RG, "batchacct").primary
    with pytest.raises(HttpResponseError) as denied:  # each region's account has its own keys
        list(clean_emulator.batch_data_client(north.account_endpoint, west_key).list_pools())
    assert denied.value.status_code == 403
