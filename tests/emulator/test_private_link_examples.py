"""The private-link emulator answers Microsoft's REST examples (tests/emulator/examples/MANIFEST.md) with
the same shape: the same keys at every level (values are this emulator's: ids, addresses, etags)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.emulator.batch.helpers import LOCATION, RG, make_account, raw

pytestmark = pytest.mark.emulator
EXAMPLES = Path(__file__).parent / "examples"
NET_API, DNS_API, BATCH_API = "2024-05-01", "2024-06-01", "2024-07-01"


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text())


def keys(value: Any, prefix: str = "") -> set[str]:
    """Every key path of a JSON value; list items merge under '[]'."""
    if isinstance(value, dict):
        found = set()
        for key, item in value.items():
            found |= {f"{prefix}.{key}"} | keys(item, f"{prefix}.{key}")
        return found
    if isinstance(value, list):
        return set().union(*(keys(item, prefix + "[]") for item in value)) if value else set()
    return set()


@pytest.fixture
def setup(clean_emulator):
    client = clean_emulator.batch_mgmt_client()
    account = make_account(clean_emulator, "exampleacct")
    net = clean_emulator.network_client()
    net.virtual_networks.begin_create_or_update(
        RG, "vnet", {"location": LOCATION, "address_space": {"address_prefixes": ["10.50.0.0/16"]}}
    ).result()
    subnet = net.subnets.begin_create_or_update(RG, "vnet", "pe", {"address_prefix": "10.50.1.0/24"}).result()
    base = account.id.split("/providers/")[0] + "/providers/Microsoft.Network"

    def call(method, path, body=None, api=NET_API):
        response = raw(client, method, path, body, api_version=api)
        assert response.status_code in (200, 201), response.text()
        return response.json()

    return call, account, subnet, base


def test_zone_and_link_answer_like_the_examples(setup):
    call, _account, subnet, base = setup
    zone_ex, link_ex = example("PrivateZonePut.json"), example("VirtualNetworkLinkPut.json")
    zone = call("PUT", f"{base}/privateDnsZones/privatezone1.com", zone_ex["parameters"], DNS_API)
    assert keys(zone) == keys(zone_ex["response"])
    assert zone["properties"] | {"provisioningState": "Succeeded"} == zone_ex["response"]["properties"]
    link_body = json.loads(json.dumps(link_ex["parameters"]))
    link_body["properties"]["virtualNetwork"]["id"] = subnet.id.rsplit("/subnets/", 1)[0]
    link = call(
        "PUT",
        f"{base}/privateDnsZones/privatezone1.com/virtualNetworkLinks/virtualNetworkLink1",
        link_body,
        DNS_API,
    )
    assert keys(link) == keys(link_ex["response"])


def test_endpoint_and_zone_group_answer_like_the_examples(setup):
    call, account, subnet, base = setup
    pe_ex, group_ex = example("PrivateEndpointCreate.json"), example("PrivateEndpointDnsZoneGroupCreate.json")
    body = json.loads(json.dumps(pe_ex["parameters"]))
    body["location"] = LOCATION
    body["properties"]["subnet"]["id"] = subnet.id
    connection = body["properties"]["privateLinkServiceConnections"][0]
    connection.update(name="plsconnection1")
    connection["properties"].update(privateLinkServiceId=account.id, groupIds=["batchAccount"])
    endpoint = call("PUT", f"{base}/privateEndpoints/testPe", body)
    # customDnsConfigs stay empty with a private DNS zone group (the example's endpoint has custom DNS).
    ours = keys(endpoint) - {".etag", ".type", ".properties.resourceGuid"}
    ours -= {
        k
        for k in ours
        if k.startswith(".properties.privateLinkServiceConnections[].")
        and k.rsplit(".", 1)[1] in ("name", "type", "etag", "provisioningState")
    }
    assert ours == keys(pe_ex["response"]) - {k for k in keys(pe_ex["response"]) if "customDnsConfigs[]" in k}
    call("PUT", f"{base}/privateDnsZones/zone1.com", {"location": "global"}, DNS_API)
    group_body = json.loads(json.dumps(group_ex["parameters"]))
    group_body["properties"]["privateDnsZoneConfigs"][0]["properties"]["privateDnsZoneId"] = (
        f"{base}/privateDnsZones/zone1.com"
    )
    group = call("PUT", f"{base}/privateEndpoints/testPe/privateDnsZoneGroups/testPdnsgroup", group_body)
    assert keys(group) - {".etag", ".type"} == keys(group_ex["response"])
    (record,) = group["properties"]["privateDnsZoneConfigs"][0]["properties"]["recordSets"]
    assert record["fqdn"] == f"exampleacct.{LOCATION}.zone1.com" and record["ipAddresses"] == ["10.50.1.4"]


def test_batch_views_answer_like_the_examples(setup):
    call, account, subnet, base = setup
    body = {
        "location": LOCATION,
        "properties": {
            "subnet": {"id": subnet.id},
            "privateLinkServiceConnections": [
                {
                    "name": "c",
                    "properties": {"privateLinkServiceId": account.id, "groupIds": ["batchAccount"]},
                }
            ],
        },
    }
    call("PUT", f"{base}/privateEndpoints/testprivateEndpoint", body)
    (connection,) = call("GET", f"{account.id}/privateEndpointConnections", api=BATCH_API)["value"]
    expected = example("PrivateEndpointConnectionGet.json")["response"]
    assert keys(connection) - {
        ".etag",
        ".properties.privateLinkServiceConnectionState.actionsRequired",
    } == keys(expected)
    resources = call("GET", f"{account.id}/privateLinkResources", api=BATCH_API)
    assert keys(resources) == keys(example("PrivateLinkResourcesList.json")["response"])
