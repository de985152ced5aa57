"""Resource groups through azure-mgmt-resource against the emulator, bodies checked against the spec."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.emulator.spec_schema import RESOURCES_SPEC, assert_matches_spec

pytestmark = pytest.mark.emulator


def test_create_get_update_list_and_check_existence(clean_emulator):
    client = clean_emulator.resource_client()
    created = client.resource_groups.create_or_update(
        "rg-one", {"location": "West Europe", "tags": {"env": "dev"}}
    )
    assert (created.name, created.location, created.tags) == ("rg-one", "westeurope", {"env": "dev"})
    assert created.properties.provisioning_state == "Succeeded"
    assert client.resource_groups.check_existence("rg-one") is True
    assert client.resource_groups.check_existence("rg-missing") is False

    updated = client.resource_groups.update("rg-one", {"tags": {"env": "staging"}})
    assert updated.tags == {"env": "staging"}
    client.resource_groups.create_or_update("rg-two", {"location": "westeurope", "tags": {"env": "prod"}})
    assert sorted(g.name for g in client.resource_groups.list()) == ["rg-one", "rg-two"]
    assert [
        g.name for g in client.resource_groups.list(filter="tagName eq 'env' and tagValue eq 'prod'")
    ] == ["rg-two"]


def test_bodies_match_the_spec(clean_emulator):
    client = clean_emulator.resource_client()
    client.resource_groups.create_or_update("rg-spec", {"location": "westeurope", "tags": {"a": "b"}})
    raw = client.resource_groups.get(
        "rg-spec", cls=lambda response, body, headers: response.http_response.json()
    )
    assert_matches_spec(raw, RESOURCES_SPEC, "ResourceGroup")
    page = raw_get(
        client,
        f"{clean_emulator.info['arm_endpoint']}/subscriptions/{clean_emulator.info['subscription_id']}/resourcegroups",
    )
    assert_matches_spec(page, RESOURCES_SPEC, "ResourceGroupListResult")
    assert [g["name"] for g in page["value"]] == ["rg-spec"]


def raw_get(client, url: str, api_version: str = "2025-04-01") -> dict:
    """A GET through the SDK client's own pipeline (auth, TLS), returning the JSON body as sent."""
    from azure.core.rest import HttpRequest

    response = client._client.send_request(HttpRequest("GET", url, params={"api-version": api_version}))
    response.raise_for_status()
    return response.json()


def test_delete_finishes_when_the_clock_passes_the_delay_not_when_polled(clean_emulator):
    client = clean_emulator.resource_client()
    client.resource_groups.create_or_update("rg-gone", {"location": "westeurope"})
    clean_emulator.storage_client().storage_accounts.begin_create(
        "rg-gone", "stgone", {"location": "westeurope", "sku": {"name": "Standard_LRS"}}
    ).result()
    clean_emulator.settings(lro_delay_seconds=30)
    started = client.resource_groups.begin_delete("rg-gone", polling=False)
    operation = started.polling_method()._initial_response.http_response.headers["Location"]
    assert _poll(client, operation).status_code == 202  # polls report, they never finish it
    assert _poll(client, operation).status_code == 202
    # Reads inside the deleting group are served; writes get ResourceGroupBeingDeleted.
    assert client.resource_groups.get("rg-gone").properties.provisioning_state == "Deleting"
    storage = clean_emulator.storage_client().storage_accounts
    assert storage.get_properties("rg-gone", "stgone").name == "stgone"
    with pytest.raises(HttpResponseError) as refused:
        storage.begin_create("rg-gone", "stnew", {"location": "westeurope", "sku": {"name": "Standard_LRS"}})
    assert (refused.value.status_code, refused.value.error.code) == (409, "ResourceGroupBeingDeleted")
    clean_emulator.advance_clock(31)
    assert client.resource_groups.check_existence("rg-gone") is False  # the read itself finished it
    assert _poll(client, operation).status_code == 200
    with pytest.raises(ResourceNotFoundError):
        storage.get_properties("rg-gone", "stgone")


def _poll(client, url):
    from azure.core.rest import HttpRequest

    return client._client.send_request(HttpRequest("GET", url))


def test_errors_use_azure_codes(clean_emulator):
    client = clean_emulator.resource_client()
    with pytest.raises(ResourceNotFoundError) as missing:
        client.resource_groups.get("rg-nope")
    assert missing.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(HttpResponseError) as bad_name:
        client.resource_groups.create_or_update("bad.", {"location": "westeurope"})
    assert (bad_name.value.status_code, bad_name.value.error.code) == (400, "InvalidResourceGroup")
    with pytest.raises(HttpResponseError) as bad_location:
        client.resource_groups.create_or_update("rg-x", {"location": "atlantis"})
    assert bad_location.value.error.code == "LocationNotAvailableForResourceType"
    client.resource_groups.create_or_update("rg-x", {"location": "westeurope"})
    with pytest.raises(HttpResponseError) as moved:
        client.resource_groups.create_or_update("rg-x", {"location": "northeurope"})
    assert (moved.value.status_code, moved.value.error.code) == (409, "InvalidResourceGroupLocation")
    with pytest.raises(ResourceNotFoundError):
        client.resource_groups.begin_delete("rg-nope").result()
    with pytest.raises(HttpResponseError) as force:
        client.resource_groups.begin_delete("rg-x", force_deletion_types="Microsoft.Web/sites")
    assert (force.value.status_code, force.value.error.target) == (400, "forceDeletionTypes")
    client.resource_groups.begin_delete(
        "rg-x",
        force_deletion_types="Microsoft.Compute/virtualMachines,Microsoft.Compute/virtualMachineScaleSets",
    ).result()
