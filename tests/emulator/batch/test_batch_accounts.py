"""Batch accounts through azure-mgmt-batch: LROs, keys (regenerated on the data plane), names, quotas."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.emulator.batch.helpers import LOCATION, RG, make_account, property_path, raw
from tests.emulator.spec_schema import BATCH_MGMT_SPEC, assert_matches_spec

pytestmark = pytest.mark.emulator


def test_create_is_long_running_and_the_account_matches_the_spec(clean_emulator):
    clean_emulator.clear_requests()
    account = make_account(clean_emulator)
    log = [
        (e["method"], e["status"])
        for e in clean_emulator.requests()
        if "batchAccounts" in e["path"] or "operationResults" in e["path"]
    ]
    assert log == [("PUT", 202), ("GET", 200)]  # lro_delay_seconds 0: done by the first poll
    assert account.provisioning_state == "Succeeded"
    assert (
        account.account_endpoint
        == clean_emulator.info["arm_endpoint"].removeprefix("https://") + "/batch/westeurope/batchacct"
    )
    assert account.dedicated_core_quota_per_vm_family_enforced is True
    assert {q.name: q.core_quota for q in account.dedicated_core_quota_per_vm_family}[
        "standardDSv5Family"
    ] > 0
    body = raw(clean_emulator.batch_mgmt_client(), "GET", account.id).json()
    assert_matches_spec(body, BATCH_MGMT_SPEC, "BatchAccount")
    page = raw(
        clean_emulator.batch_mgmt_client(),
        "GET",
        f"/subscriptions/{clean_emulator.info['subscription_id']}/providers/Microsoft.Batch/batchAccounts",
    ).json()
    assert_matches_spec(page, BATCH_MGMT_SPEC, "BatchAccountListResult")
    assert [a["name"] for a in page["value"]] == ["batchacct"]


def test_delete_is_long_running_and_removes_the_account(clean_emulator):
    client = clean_emulator.batch_mgmt_client()
    make_account(clean_emulator)
    client.batch_account.begin_delete(RG, "batchacct").result()
    with pytest.raises(ResourceNotFoundError):
        client.batch_account.get(RG, "batchacct")
    assert list(client.batch_account.list_by_resource_group(RG)) == []


def test_regenerated_key_stops_working_on_the_data_plane_at_once(clean_emulator):
    client = clean_emulator.batch_mgmt_client()
    account = make_account(clean_emulator)
    keys = client.batch_account.get_keys(RG, "batchacct")
    assert_matches_spec(
        raw(client, "POST", account.id + "/listKeys").json(), BATCH_MGMT_SPEC, "BatchAccountKeys"
    )
    old = clean_emulator.batch_data_client(account.account_endpoint, keys.primary)
    assert list(old.list_supported_images())
    new_keys = client.batch_account.regenerate_key(RG, "batchacct", {"keyName": "Primary"})
    assert new_keys.primary != keys.primary and new_keys.secondary == keys.secondary
    with pytest.raises(HttpResponseError) as refused:
        list(old.list_supported_images())
    assert (refused.value.status_code, refused.value.error.code) == (403, "AuthenticationFailed")
    assert list(
        clean_emulator.batch_data_client(account.account_endpoint, new_keys.primary).list_supported_images()
    )
    assert list(
        clean_emulator.batch_data_client(account.account_endpoint, keys.secondary).list_supported_images()
    )


def test_data_plane_without_credentials_is_refused(clean_emulator):
    account = make_account(clean_emulator)
    client = clean_emulator.batch_data_client(account.account_endpoint)
    assert list(client.list_supported_images())  # the emulator's bearer token is accepted
    request = urllib.request.Request(
        f"https://{account.account_endpoint}/supportedimages?api-version=2025-06-01"
    )
    context = ssl.create_default_context(cafile=clean_emulator.info["ca_bundle"])
    with pytest.raises(urllib.error.HTTPError) as anonymous:
        urllib.request.urlopen(request, context=context)
    assert anonymous.value.code == 401
    assert json.loads(anonymous.value.read())["code"] == "AuthenticationFailed"


def test_names_are_validated_and_unique_per_region(clean_emulator):
    client = clean_emulator.batch_mgmt_client()
    make_account(clean_emulator)
    with pytest.raises(HttpResponseError) as invalid:
        client.batch_account.begin_create(RG, "Bad_Name", {"location": LOCATION}).result()
    assert invalid.value.error.code == "AccountNameInvalid"
    clean_emulator.resource_client().resource_groups.create_or_update("rg-other", {"location": LOCATION})
    with pytest.raises(HttpResponseError) as taken:
        client.batch_account.begin_create("rg-other", "batchacct", {"location": LOCATION}).result()
    assert taken.value.status_code == 409
    availability = client.location.check_name_availability(
        LOCATION, {"name": "batchacct", "type": "Microsoft.Batch/batchAccounts"}
    )
    assert (availability.name_available, availability.reason) == (False, "AlreadyExists")
    assert client.location.check_name_availability(
        LOCATION, {"name": "freename", "type": "Microsoft.Batch/batchAccounts"}
    ).name_available


def test_update_sync_keys_and_location_apis(clean_emulator):
    client = clean_emulator.batch_mgmt_client()
    make_account(clean_emulator)
    updated = client.batch_account.update(RG, "batchacct", {"tags": {"env": "dev"}})
    assert updated.tags == {"env": "dev"}
    with pytest.raises(HttpResponseError) as no_storage:
        client.batch_account.synchronize_auto_storage_keys(RG, "batchacct")
    assert no_storage.value.error.code == "AccountNotConfiguredWithAutoStorage"
    with pytest.raises(HttpResponseError) as missing_storage:
        client.batch_account.update(
            RG,
            "batchacct",
            {
                "properties": {
                    "autoStorage": {
                        "storageAccountId": f"/subscriptions/{clean_emulator.info['subscription_id']}"
                        f"/resourceGroups/{RG}"
                        "/providers/Microsoft.Storage/storageAccounts/nosuch"
                    }
                }
            },
        )
    assert property_path(missing_storage.value.error) == "properties.autoStorage.storageAccountId"
    assert client.location.get_quotas(LOCATION).account_quota == 3
    skus = list(client.location.list_supported_virtual_machine_skus(LOCATION))
    d2s = next(s for s in skus if s.name == "Standard_D2s_v5")
    assert d2s.family_name == "standardDSv5Family"
    assert {c.name: c.value for c in d2s.capabilities}["vCPUs"] == "2"
    body = raw(
        client,
        "GET",
        f"/subscriptions/{clean_emulator.info['subscription_id']}/providers/Microsoft.Batch"
        f"/locations/{LOCATION}/virtualMachineSkus",
    ).json()
    assert_matches_spec(body, BATCH_MGMT_SPEC, "SupportedSkusResult")


def test_admin_quotas_hook_sets_account_quotas(clean_emulator):
    make_account(clean_emulator)
    clean_emulator.set_quotas(
        "batchacct",
        dedicatedCoreQuotaPerVMFamily=[{"name": "standardDSv5Family", "coreQuota": 0}],
        poolQuota=5,
    )
    account = clean_emulator.batch_mgmt_client().batch_account.get(RG, "batchacct")
    families = {q.name: q.core_quota for q in account.dedicated_core_quota_per_vm_family}
    assert (families["standardDSv5Family"], families["standardFSv2Family"], account.pool_quota) == (0, 100, 5)
