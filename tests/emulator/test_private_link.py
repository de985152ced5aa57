"""Private endpoints, private DNS and the Batch data plane's network access rules, end to end.

A caller on the emulator's main listener is on the Internet (its address: setting internet_caller_ip); one
on the `vnet_endpoint` listener is inside a VNet, and reaches the account privately only when a
batchAccount private endpoint exists AND its privatelink record is in a zone linked to that VNet.
"""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from tests.emulator.batch.helpers import LOCATION, RG, make_account, raw

pytestmark = pytest.mark.emulator
NET_API, DNS_API, BATCH_API = "2024-05-01", "2024-06-01", "2024-07-01"
ZONE = "privatelink.batch.azure.com"


@pytest.fixture
def arm(clean_emulator):
    client = clean_emulator.batch_mgmt_client()  # any generated client: send_request carries the token

    def call(method, path, body=None, api=NET_API, expect=None):
        response = raw(
            client,
            method,
            f"/subscriptions/{clean_emulator.info['subscription_id']}{path}",
            body,
            api_version=api,
        )
        if expect is not None:
            assert response.status_code == expect, response.text()
        return response

    return call


@pytest.fixture
def account(clean_emulator):
    acct = make_account(clean_emulator, "privacct")
    clean_emulator.batch_mgmt_client().batch_account.update(
        RG, "privacct", {"properties": {"publicNetworkAccess": "Disabled"}}
    )
    return acct


def network(clean_emulator, arm):
    net = clean_emulator.network_client()
    net.virtual_networks.begin_create_or_update(
        RG, "vnet", {"location": LOCATION, "address_space": {"address_prefixes": ["10.40.0.0/16"]}}
    ).result()
    net.subnets.begin_create_or_update(RG, "vnet", "endpoints", {"address_prefix": "10.40.1.0/24"}).result()
    return f"/resourceGroups/{RG}/providers/Microsoft.Network"


def private_endpoint(arm, account, group="batchAccount", name="pe-batch"):
    base = f"/resourceGroups/{RG}/providers/Microsoft.Network"
    body = {
        "location": LOCATION,
        "properties": {
            "subnet": {
                "id": f"{account.id.split('/providers/')[0]}/providers/Microsoft.Network/virtualNetworks/"
                "vnet/subnets/endpoints"
            },
            "privateLinkServiceConnections": [
                {"name": name, "properties": {"privateLinkServiceId": account.id, "groupIds": [group]}}
            ],
        },
    }
    return arm("PUT", f"{base}/privateEndpoints/{name}", body)


def private_dns(arm, *, link=True, zone_group=True, endpoint="pe-batch"):
    base = f"/resourceGroups/{RG}/providers/Microsoft.Network"
    zone = arm(
        "PUT", f"{base}/privateDnsZones/{ZONE}", {"location": "global"}, api=DNS_API, expect=201
    ).json()
    if link:
        vnet_id = zone["id"].split("/providers/")[0] + "/providers/Microsoft.Network/virtualNetworks/vnet"
        arm(
            "PUT",
            f"{base}/privateDnsZones/{ZONE}/virtualNetworkLinks/link-batch",
            {
                "location": "global",
                "properties": {"virtualNetwork": {"id": vnet_id}, "registrationEnabled": False},
            },
            api=DNS_API,
            expect=201,
        )
    if zone_group:
        arm(
            "PUT",
            f"{base}/privateEndpoints/{endpoint}/privateDnsZoneGroups/default",
            {
                "properties": {
                    "privateDnsZoneConfigs": [
                        {
                            "name": "privatelink-batch-azure-com",
                            "properties": {"privateDnsZoneId": zone["id"]},
                        }
                    ]
                }
            },
            expect=201,
        )
    return zone


def data_client(emulator, account, *, inside: bool):
    endpoint = account.account_endpoint
    if inside:
        host = emulator.info["arm_endpoint"].removeprefix("https://")
        endpoint = endpoint.replace(host, emulator.info["vnet_endpoint"].removeprefix("https://"))
    return emulator.batch_data_client(endpoint)


def refusal(call):
    with pytest.raises(HttpResponseError) as raised:
        call()
    assert raised.value.status_code == 403
    assert raised.value.error.code == "AuthorizationFailure"
    return str(raised.value)


def test_a_private_account_refuses_internet_callers_but_arm_still_answers(clean_emulator, account):
    text = refusal(lambda: list(data_client(clean_emulator, account, inside=False).list_supported_images()))
    assert "publicNetworkAccess Disabled" in text and "203.0.113.10" in text
    got = clean_emulator.batch_mgmt_client().batch_account.get(RG, "privacct")
    assert got.public_network_access == "Disabled"  # the management plane is not behind the data plane rules


def test_a_caller_in_the_vnet_gets_through_the_endpoint_once_dns_resolves_it(clean_emulator, arm, account):
    network(clean_emulator, arm)
    created = private_endpoint(arm, account)
    assert created.status_code == 201
    inside = data_client(clean_emulator, account, inside=True)
    # An endpoint without its privatelink record: the name still resolves to the public address.
    refusal(lambda: list(inside.list_supported_images()))
    private_dns(arm)
    assert list(inside.list_supported_images())
    refusal(lambda: list(data_client(clean_emulator, account, inside=False).list_supported_images()))


def test_dns_without_a_link_to_the_callers_vnet_does_not_resolve_privately(clean_emulator, arm, account):
    network(clean_emulator, arm)
    private_endpoint(arm, account)
    private_dns(arm, link=False)
    refusal(lambda: list(data_client(clean_emulator, account, inside=True).list_supported_images()))


def test_ip_rules_admit_only_the_listed_public_addresses(clean_emulator, account):
    mgmt = clean_emulator.batch_mgmt_client()
    rules = {"defaultAction": "Deny", "ipRules": [{"action": "Allow", "value": "198.51.100.0/24"}]}
    profile = {"publicNetworkAccess": "Enabled", "networkProfile": {"accountAccess": rules}}
    mgmt.batch_account.update(RG, "privacct", {"properties": profile})
    client = data_client(clean_emulator, account, inside=False)
    assert "ipRules" in refusal(lambda: list(client.list_supported_images()))
    clean_emulator.settings(internet_caller_ip="198.51.100.25")
    assert list(client.list_supported_images())


def test_endpoint_references_are_checked(clean_emulator, arm, account):
    network(clean_emulator, arm)
    bad_group = private_endpoint(arm, account, group="blob")
    assert bad_group.status_code == 400 and "batchAccount, nodeManagement" in bad_group.text()
    base = f"/resourceGroups/{RG}/providers/Microsoft.Network"
    missing_subnet = arm(
        "PUT",
        f"{base}/privateEndpoints/pe-x",
        {
            "location": LOCATION,
            "properties": {"subnet": {"id": account.id + "/nope"}, "privateLinkServiceConnections": []},
        },
    )
    assert missing_subnet.status_code == 400
    assert missing_subnet.json()["error"]["code"] == "InvalidResourceReference"


def test_the_account_lists_its_link_resources_and_endpoint_connections(clean_emulator, arm, account):
    network(clean_emulator, arm)
    private_endpoint(arm, account, "nodeManagement", "pe-nodes")
    path = f"/resourceGroups/{RG}/providers/Microsoft.Batch/batchAccounts/privacct"
    resources = arm("GET", path + "/privateLinkResources", api=BATCH_API, expect=200).json()["value"]
    assert [(r["properties"]["groupId"], r["properties"]["requiredZoneNames"]) for r in resources] == [
        ("batchAccount", [ZONE]),
        ("nodeManagement", [ZONE]),
    ]
    (connection,) = arm("GET", path + "/privateEndpointConnections", api=BATCH_API, expect=200).json()[
        "value"
    ]
    assert connection["properties"]["groupIds"] == ["nodeManagement"]
    assert connection["properties"]["privateLinkServiceConnectionState"]["status"] == "Approved"
    assert connection["properties"]["privateEndpoint"]["id"].endswith("/privateEndpoints/pe-nodes")
    again = arm("GET", f"{path}/privateEndpointConnections/{connection['name']}", api=BATCH_API, expect=200)
    assert again.json() == connection


def test_private_dns_rules(clean_emulator, arm, account):
    network(clean_emulator, arm)
    base = f"/resourceGroups/{RG}/providers/Microsoft.Network/privateDnsZones"
    regional = arm("PUT", f"{base}/{ZONE}", {"location": LOCATION}, api=DNS_API)
    assert regional.status_code == 400 and "global" in regional.text()
    private_endpoint(arm, account)
    zone = private_dns(arm)
    got = arm("GET", f"{base}/{ZONE}", api=DNS_API, expect=200).json()
    assert got["properties"]["numberOfVirtualNetworkLinks"] == 1
    assert got["properties"]["numberOfRecordSets"] == 2  # SOA + the endpoint's A record
    vnet_id = zone["id"].split("/providers/")[0] + "/providers/Microsoft.Network/virtualNetworks/vnet"
    duplicate = arm(
        "PUT",
        f"{base}/{ZONE}/virtualNetworkLinks/second",
        {"location": "global", "properties": {"virtualNetwork": {"id": vnet_id}}},
        api=DNS_API,
    )
    assert duplicate.status_code == 409
    nested = arm("DELETE", f"{base}/{ZONE}", api=DNS_API)
    assert nested.status_code == 409 and nested.json()["error"]["code"] == "CannotDeleteResource"


def test_nodes_are_unusable_until_the_vnet_resolves_a_node_management_endpoint(clean_emulator, arm, account):
    from tests.emulator.batch.helpers import pool_body

    network(clean_emulator, arm)
    nodes = (
        clean_emulator.network_client()
        .subnets.begin_create_or_update(RG, "vnet", "nodes", {"address_prefix": "10.40.2.0/24"})
        .result()
    )
    clean_emulator.settings(allocation_delay_seconds=0)
    private_endpoint(arm, account)
    private_dns(arm)
    network_config = {
        "subnetId": nodes.id,
        "publicIPAddressConfiguration": {"provision": "NoPublicIPAddresses"},
    }
    clean_emulator.batch_mgmt_client().pool.create(
        RG, "privacct", "p1", pool_body(networkConfiguration=network_config)
    )
    inside = data_client(clean_emulator, account, inside=True)

    def dedicated():
        (counts,) = list(inside.list_pool_node_counts())
        return counts.dedicated.unusable, counts.dedicated.idle

    assert dedicated() == (1, 0)  # no nodeManagement endpoint: nodes never reach the service
    private_endpoint(arm, account, "nodeManagement", "pe-nodes")
    base = f"/resourceGroups/{RG}/providers/Microsoft.Network"
    zone_id = account.id.split("/providers/")[0] + f"/providers/Microsoft.Network/privateDnsZones/{ZONE}"
    arm(
        "PUT",
        f"{base}/privateEndpoints/pe-nodes/privateDnsZoneGroups/default",
        {
            "properties": {
                "privateDnsZoneConfigs": [{"name": "z", "properties": {"privateDnsZoneId": zone_id}}]
            }
        },
        expect=201,
    )
    assert dedicated() == (0, 1)
