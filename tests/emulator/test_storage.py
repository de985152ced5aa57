"""Storage accounts through azure-mgmt-storage against the emulator, bodies checked against the spec."""

from __future__ import annotations

import re

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.emulator.spec_schema import STORAGE_SPEC, assert_matches_spec

pytestmark = pytest.mark.emulator
PARAMS = {"location": "westeurope", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}


@pytest.fixture
def clients(clean_emulator):
    resources = clean_emulator.resource_client()
    for group in ("rga1", "rgb1"):
        resources.resource_groups.create_or_update(group, {"location": "westeurope"})
    return resources, clean_emulator.storage_client()


def raw(response, body, headers):
    return response.http_response.json()


def test_create_is_long_running_and_matches_the_spec(clients, clean_emulator):
    _, storage = clients
    clean_emulator.clear_requests()
    account = storage.storage_accounts.begin_create("rga1", "stbatchdev01", PARAMS).result()
    assert (account.name, account.provisioning_state, account.sku.name) == (
        "stbatchdev01",
        "Succeeded",
        "Standard_LRS",
    )
    statuses = [(e["method"], e["status"]) for e in clean_emulator.requests()]
    assert statuses == [("PUT", 202), ("GET", 200)]  # lro_delay_seconds 0: done by the first poll
    body = storage.storage_accounts.get_properties("rga1", "stbatchdev01", cls=raw)
    assert_matches_spec(body, STORAGE_SPEC, "StorageAccount")
    keys = storage.storage_accounts.list_keys("rga1", "stbatchdev01", cls=raw)
    assert_matches_spec(keys, STORAGE_SPEC, "StorageAccountListKeysResult")


def test_keys_regenerate_one_at_a_time(clients):
    _, storage = clients
    storage.storage_accounts.begin_create("rga1", "stkeys", PARAMS).result()
    before = {k.key_name: k.value for k in storage.storage_accounts.list_keys("rga1", "stkeys").keys}
    after = {
        k.key_name: k.value
        for k in storage.storage_accounts.regenerate_key("rga1", "stkeys", {"key_name": "key1"}).keys
    }
    assert after["key1"] != before["key1"] and after["key2"] == before["key2"]
    with pytest.raises(HttpResponseError) as bad:
        storage.storage_accounts.regenerate_key("rga1", "stkeys", {"key_name": "key3"})
    assert bad.value.status_code == 400


def test_names_are_global_and_validated(clients):
    _, storage = clients
    storage.storage_accounts.begin_create("rga1", "stshared", PARAMS).result()
    with pytest.raises(HttpResponseError) as taken:
        storage.storage_accounts.begin_create("rgb1", "stshared", PARAMS).result()
    assert (taken.value.status_code, taken.value.error.code) == (409, "StorageAccountAlreadyTaken")
    with pytest.raises(HttpResponseError) as invalid:
        storage.storage_accounts.begin_create("rga1", "Not_Valid", PARAMS).result()
    assert (invalid.value.status_code, invalid.value.error.code) == (400, "AccountNameInvalid")
    check = storage.storage_accounts.check_name_availability
    assert check({"name": "stshared", "type": "Microsoft.Storage/storageAccounts"}).reason == "AlreadyExists"
    assert check({"name": "ab", "type": "Microsoft.Storage/storageAccounts"}).reason == "AccountNameInvalid"
    assert check({"name": "stfree", "type": "Microsoft.Storage/storageAccounts"}).name_available is True


def test_missing_sku_missing_group_and_unknown_account(clients):
    _, storage = clients
    with pytest.raises(HttpResponseError) as no_sku:
        storage.storage_accounts.begin_create(
            "rga1", "stnosku", {"location": "westeurope", "kind": "StorageV2"}
        )
    assert (no_sku.value.status_code, no_sku.value.error.target) == (400, "sku")
    with pytest.raises(ResourceNotFoundError) as no_group:
        storage.storage_accounts.begin_create("rg-none", "stnogroup", PARAMS)
    assert no_group.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(ResourceNotFoundError):
        storage.storage_accounts.get_properties("rga1", "stmissing")


def test_delete_and_resource_group_delete_remove_accounts(clients):
    resources, storage = clients
    storage.storage_accounts.begin_create("rga1", "stdelete", PARAMS).result()
    storage.storage_accounts.delete("rga1", "stdelete")
    assert storage.storage_accounts.check_name_availability(
        {"name": "stdelete", "type": "Microsoft.Storage/storageAccounts"}
    ).name_available
    storage.storage_accounts.begin_create("rgb1", "stchild", PARAMS).result()
    resources.resource_groups.begin_delete("rgb1").result()
    assert [a.name for a in storage.storage_accounts.list()] == []


def test_edge_zone_encryption_and_shared_key_services_are_answered_and_checked(clients):
    _, storage = clients
    account = storage.storage_accounts.begin_create(
        "rga1",
        "stedge01",
        {
            **PARAMS,
            "extended_location": {"type": "EdgeZone", "name": "losangeles001"},
            "encryption": {"key_source": "Microsoft.Storage", "require_infrastructure_encryption": True},
        },
    ).result()
    assert (account.extended_location.type, account.extended_location.name) == ("EdgeZone", "losangeles001")
    assert account.encryption.require_infrastructure_encryption is True
    zoned = storage.storage_accounts.begin_create(
        "rga1", "stzone01", {**PARAMS, "dns_endpoint_type": "AzureDnsZone"}
    ).result()
    assert re.fullmatch(
        r"https://stzone01\.z[0-5]\d\.blob\.storage\.azure\.net/", zoned.primary_endpoints.blob
    )
    block_blob = storage.storage_accounts.begin_create(
        "rga1", "stpremium01", {**PARAMS, "sku": {"name": "Premium_LRS"}, "kind": "BlockBlobStorage"}
    ).result()
    assert block_blob.access_tier == "Premium"  # the only tier of premium block blob accounts
    cmk = {"key_source": "Microsoft.Keyvault", "key_vault_properties": {"key_name": "k"}}
    with pytest.raises(HttpResponseError) as vault_key:
        storage.storage_accounts.begin_create("rga1", "stcmk01", {**PARAMS, "encryption": cmk})
    assert (vault_key.value.error.code, vault_key.value.error.target) == (
        "FeatureNotSupported",
        "properties.encryption.keySource",
    )
    with pytest.raises(HttpResponseError) as edge:
        storage.storage_accounts.begin_create(
            "rga1", "stedge02", {**PARAMS, "extended_location": {"name": "losangeles001"}}
        )
    assert edge.value.error.target == "extendedLocation"
    rules = {"network_rule_set": {"default_action": "Deny", "ip_rules": [{"ip_address_or_range": "1.2.3.4"}]}}
    updated = storage.storage_accounts.update("rga1", "stedge01", rules).network_rule_set
    assert (updated.default_action, updated.bypass, updated.ip_rules[0].ip_address_or_range) == (
        "Deny",
        "AzureServices",  # kept: not sent
        "1.2.3.4",
    )
    dual_stack = {"dual_stack_endpoint_preference": {"publish_ipv6_endpoint": True}}
    ipv6 = storage.storage_accounts.update("rga1", "stedge01", dual_stack).primary_endpoints.ipv6_endpoints
    assert ipv6.blob == "https://stedge01-ipv6.blob.core.windows.net/"
    with pytest.raises(HttpResponseError) as directory:
        storage.storage_accounts.update(
            "rga1",
            "stedge01",
            {"azure_files_identity_based_authentication": {"directory_service_options": "AD"}},
        )
    assert directory.value.error.code == "FeatureNotSupported"
    from azure.core.rest import HttpRequest

    services = {"properties": {"allowSharedKeyAccessForServices": {"blob": {"enabled": "yes"}}}}
    url = storage._client.format_url(f"{account.id}?api-version=2026-09-01")
    patch = HttpRequest("PATCH", url, json=services)
    reply = storage._client.send_request(patch)
    assert (reply.status_code, reply.json()["error"]["target"]) == (
        400,
        "properties.allowSharedKeyAccessForServices",
    )


def test_account_immutability_is_set_at_creation_and_a_locked_policy_stays_locked(clients):
    _, storage = clients
    locked = {"enabled": True, "immutability_policy": {"immutability_period_since_creation_in_days": 15}}
    locked["immutability_policy"]["state"] = "Locked"
    account = storage.storage_accounts.begin_create(
        "rga1", "stworm01", {**PARAMS, "immutable_storage_with_versioning": locked}
    ).result()
    assert account.immutable_storage_with_versioning.immutability_policy.state == "Locked"
    unlock = {"enabled": True, "immutability_policy": {"state": "Unlocked"}}
    with pytest.raises(HttpResponseError) as unlocked:
        storage.storage_accounts.update("rga1", "stworm01", {"immutable_storage_with_versioning": unlock})
    assert unlocked.value.error.target == "properties.immutableStorageWithVersioning"
    storage.storage_accounts.begin_create("rga1", "stplain01", PARAMS).result()
    with pytest.raises(HttpResponseError) as late:
        storage.storage_accounts.update(
            "rga1", "stplain01", {"immutable_storage_with_versioning": {"enabled": True}}
        )
    assert "when the account is created" in late.value.error.message


def test_a_system_assigned_identity_is_answered_and_kept_across_updates(clients):
    _, storage = clients
    account = storage.storage_accounts.begin_create(
        "rga1", "stident01", {**PARAMS, "identity": {"type": "SystemAssigned"}}
    ).result()
    assert account.identity.type == "SystemAssigned" and account.identity.principal_id
    updated = storage.storage_accounts.update("rga1", "stident01", {"tags": {"a": "b"}})
    assert updated.identity.principal_id == account.identity.principal_id
    with pytest.raises(HttpResponseError) as bad:
        storage.storage_accounts.update("rga1", "stident01", {"identity": {"type": "Everything"}})
    assert bad.value.error.code == "InvalidIdentityType"


def test_geo_replication_stats_are_answered_for_expand_on_a_geo_redundant_account(clients):
    _, storage = clients
    storage.storage_accounts.begin_create(
        "rga1", "stgeo01", {**PARAMS, "sku": {"name": "Standard_RAGZRS"}}
    ).result()
    plain = storage.storage_accounts.get_properties("rga1", "stgeo01")
    assert plain.geo_replication_stats is None  # only for $expand
    stats = storage.storage_accounts.get_properties("rga1", "stgeo01", expand="geoReplicationStats")
    assert (stats.geo_replication_stats.status, stats.geo_replication_stats.post_failover_redundancy) == (
        "Live",
        "Standard_ZRS",
    )
    from azure.core.rest import HttpRequest

    url = storage._client.format_url(f"{plain.id}?api-version=2026-09-01&$expand=everything")
    reply = storage._client.send_request(HttpRequest("GET", url))
    assert (reply.status_code, reply.json()["error"]["target"]) == (400, "$expand")
