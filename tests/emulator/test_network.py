"""VNets, subnets and NSGs through azure-mgmt-network against the emulator, checked against the spec."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.emulator.spec_schema import NETWORK_SPEC, assert_matches_spec

pytestmark = pytest.mark.emulator
VNET = {"location": "westeurope", "address_space": {"address_prefixes": ["10.10.0.0/16"]}}


@pytest.fixture
def network(clean_emulator):
    clean_emulator.resource_client().resource_groups.create_or_update("rg-net", {"location": "westeurope"})
    return clean_emulator.network_client()


def raw(response, body, headers):
    return response.http_response.json()


def test_vnet_subnet_nsg_created_through_async_operations(network, clean_emulator):
    clean_emulator.clear_requests()
    nsg = network.network_security_groups.begin_create_or_update(
        "rg-net",
        "nsg-pool",
        {
            "location": "westeurope",
            "security_rules": [
                {
                    "name": "deny-ssh",
                    "protocol": "Tcp",
                    "access": "Deny",
                    "direction": "Inbound",
                    "priority": 200,
                    "source_address_prefix": "*",
                    "source_port_range": "*",
                    "destination_address_prefix": "*",
                    "destination_port_range": "22",
                }
            ],
        },
    ).result()
    assert nsg.provisioning_state == "Succeeded" and len(nsg.default_security_rules) == 6
    # PUT 201 -> async status Succeeded (lro_delay_seconds 0: done by the next request) -> final GET
    assert [(e["method"], e["status"]) for e in clean_emulator.requests()] == [
        ("PUT", 201),
        ("GET", 200),
        ("GET", 200),
    ]

    vnet = network.virtual_networks.begin_create_or_update("rg-net", "vnet-batch", VNET).result()
    assert vnet.provisioning_state == "Succeeded"
    subnet = network.subnets.begin_create_or_update(
        "rg-net",
        "vnet-batch",
        "snet-pools",
        {"address_prefix": "10.10.1.0/24", "network_security_group": {"id": nsg.id}},
    ).result()
    assert (subnet.address_prefix, subnet.network_security_group.id) == ("10.10.1.0/24", nsg.id)

    assert_matches_spec(
        network.virtual_networks.get("rg-net", "vnet-batch", cls=raw), NETWORK_SPEC, "VirtualNetwork"
    )
    assert_matches_spec(
        network.subnets.get("rg-net", "vnet-batch", "snet-pools", cls=raw), NETWORK_SPEC, "Subnet"
    )
    nsg_body = network.network_security_groups.get("rg-net", "nsg-pool", cls=raw)
    assert_matches_spec(nsg_body, NETWORK_SPEC, "NetworkSecurityGroup")
    assert nsg_body["properties"]["subnets"] == [{"id": subnet.id}]


def test_subnet_outside_or_overlapping_is_refused(network):
    network.virtual_networks.begin_create_or_update("rg-net", "vnet-a", VNET).result()
    network.subnets.begin_create_or_update(
        "rg-net", "vnet-a", "one", {"address_prefix": "10.10.0.0/24"}
    ).result()
    with pytest.raises(HttpResponseError) as outside:
        network.subnets.begin_create_or_update("rg-net", "vnet-a", "two", {"address_prefix": "10.20.0.0/24"})
    assert (outside.value.status_code, outside.value.error.code) == (400, "NetcfgSubnetRangeOutsideVnet")
    with pytest.raises(HttpResponseError) as overlap:
        network.subnets.begin_create_or_update(
            "rg-net", "vnet-a", "two", {"address_prefix": "10.10.0.128/25"}
        )
    assert overlap.value.error.code == "NetcfgSubnetRangesOverlap"
    with pytest.raises(HttpResponseError) as cidr:
        network.subnets.begin_create_or_update("rg-net", "vnet-a", "two", {"address_prefix": "10.10.2.5/24"})
    assert cidr.value.error.code == "InvalidCIDRNotation" and "10.10.2.0/24" in cidr.value.error.message


def test_deletes_are_long_running_and_nsg_in_use_is_kept(network):
    nsg = network.network_security_groups.begin_create_or_update(
        "rg-net", "nsg", {"location": "westeurope"}
    ).result()
    network.virtual_networks.begin_create_or_update(
        "rg-net",
        "vnet-d",
        {
            **VNET,
            "subnets": [
                {"name": "s1", "address_prefix": "10.10.5.0/24", "network_security_group": {"id": nsg.id}}
            ],
        },
    ).result()
    with pytest.raises(HttpResponseError) as in_use:
        network.network_security_groups.begin_delete("rg-net", "nsg").result()
    assert in_use.value.error.code == "InUseNetworkSecurityGroupCannotBeDeleted"
    network.subnets.begin_delete("rg-net", "vnet-d", "s1").result()
    network.network_security_groups.begin_delete("rg-net", "nsg").result()
    network.virtual_networks.begin_delete("rg-net", "vnet-d").result()
    with pytest.raises(ResourceNotFoundError):
        network.virtual_networks.get("rg-net", "vnet-d")
    with pytest.raises(ResourceNotFoundError):
        network.network_security_groups.get("rg-net", "nsg")


def test_invalid_bodies(network):
    with pytest.raises(HttpResponseError) as no_space:
        network.virtual_networks.begin_create_or_update("rg-net", "vnet-x", {"location": "westeurope"})
    assert no_space.value.status_code == 400
    with pytest.raises(HttpResponseError) as priority:
        network.network_security_groups.begin_create_or_update(
            "rg-net",
            "nsg-x",
            {
                "location": "westeurope",
                "security_rules": [
                    {"name": "r", "protocol": "Tcp", "access": "Allow", "direction": "Inbound", "priority": 5}
                ],
            },
        )
    assert priority.value.error.code == "SecurityRuleInvalidPriority"
    with pytest.raises(ResourceNotFoundError):
        network.subnets.begin_create_or_update("rg-net", "vnet-none", "s", {"address_prefix": "10.0.0.0/24"})


def test_subnet_prefixes_delegations_and_vnet_options_are_answered_and_checked(network):
    vnet = network.virtual_networks.begin_create_or_update(
        "rg-net",
        "vnet-o",
        {**VNET, "flow_timeout_in_minutes": 10, "encryption": {"enabled": True}},
    ).result()
    assert vnet.flow_timeout_in_minutes == 10
    assert (vnet.encryption.enabled, vnet.encryption.enforcement) == (True, "AllowUnencrypted")
    subnet = network.subnets.begin_create_or_update(
        "rg-net",
        "vnet-o",
        "pools",
        {
            "address_prefixes": ["10.10.1.0/28", "10.10.2.0/28"],
            "delegations": [{"name": "batch", "service_name": "Microsoft.Batch/batchAccounts"}],
        },
    ).result()
    assert subnet.address_prefixes == ["10.10.1.0/28", "10.10.2.0/28"] and subnet.address_prefix is None
    assert [(d.name, d.service_name, d.provisioning_state) for d in subnet.delegations] == [
        ("batch", "Microsoft.Batch/batchAccounts", "Succeeded")
    ]
    with pytest.raises(HttpResponseError) as own_overlap:
        network.subnets.begin_create_or_update(
            "rg-net", "vnet-o", "twice", {"address_prefixes": ["10.10.3.0/24", "10.10.3.128/25"]}
        )
    assert own_overlap.value.error.code == "NetcfgSubnetRangesOverlap"
    with pytest.raises(HttpResponseError) as timeout:
        network.virtual_networks.begin_create_or_update(
            "rg-net", "vnet-t", {**VNET, "flow_timeout_in_minutes": 3}
        )
    assert "flowTimeoutInMinutes" in timeout.value.error.message and "between 4 and 30" in str(timeout.value)
    with pytest.raises(HttpResponseError) as community:
        network.virtual_networks.begin_create_or_update(
            "rg-net", "vnet-c", {**VNET, "bgp_communities": {"virtual_network_community": "65000:1"}}
        )
    assert community.value.error.target == "properties.bgpCommunities.virtualNetworkCommunity"
    route_table = "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/routeTables/rt"
    with pytest.raises(HttpResponseError) as unserved:
        network.subnets.begin_create_or_update(
            "rg-net",
            "vnet-o",
            "routed",
            {"address_prefix": "10.10.4.0/24", "route_table": {"id": route_table}},
        )
    assert unserved.value.error.code == "InvalidResourceReference" and "routeTable" in str(unserved.value)
