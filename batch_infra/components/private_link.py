"""PrivateLink: private endpoints to the Batch account and auto-storage, their privatelink DNS zones, links.

Each endpoint gets a DNS zone group, so Azure writes its A record into the zone; a zone the stack creates is
linked to the environment's VNet so nodes and callers inside it resolve the account's usual host name to
the endpoint's private address ("Azure Private Endpoint DNS configuration"). An existing zone
(`privateDnsZoneId`, hub-and-spoke) is used as given: its owner links it to the VNets that resolve through it.
"""

from __future__ import annotations

from typing import TypedDict

import pulumi
from pulumi_azure_native import network, privatedns

from batch_infra.config.account import AccountConfig
from batch_infra.config.private_access import BATCH_PRIVATE_DNS_ZONE, BLOB_PRIVATE_DNS_ZONE

TYPE = "batch-infra:privatelink:PrivateLink"
# Private DNS zones are global resources ("location": "global" in every Microsoft.Network/privateDnsZones).
GLOBAL = "global"
ZONES = {"batch": BATCH_PRIVATE_DNS_ZONE, "blob": BLOB_PRIVATE_DNS_ZONE}


class PrivateLinkArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    """Required. The resource group of the endpoints and the zones the stack creates."""
    location: str
    """Required. Region of the endpoints (the VNet's region)."""
    virtual_network_id: pulumi.Input[str]
    """Required. The VNet created zones are linked to."""
    subnet_id: pulumi.Input[str]
    """Required. The subnet the endpoints' network interfaces join."""
    batch_account_id: pulumi.Input[str]
    """Required. Target of the batchAccount and nodeManagement endpoints."""
    batch_account_name: str
    """Required. Names the endpoints (pe-<account>-<groupId>)."""
    storage_account_id: pulumi.Input[str]
    """Required. Target of the blob endpoint."""
    storage_account_name: str
    """Required. Names the blob endpoint."""
    account: AccountConfig
    """Required. Which endpoints to create and which existing zones to use."""
    tags: dict[str, str]
    """Required. Tags for every taggable child."""


def endpoint_plan(account: AccountConfig) -> list[tuple[str, str, str | None]]:
    """(groupId, zone key, existing zone id) of every endpoint the config asks for, Batch first."""
    plan: list[tuple[str, str, str | None]] = [
        (e.group_id, "batch", e.private_dns_zone_id) for e in account.private_endpoints
    ]
    plan += [(e.group_id, "blob", e.private_dns_zone_id) for e in account.auto_storage.private_endpoints]
    return plan


class PrivateLink(pulumi.ComponentResource):
    """Private endpoints (one per groupId), their DNS zone groups, and the zones and VNet links created."""

    endpoint_ids: pulumi.Output[dict[str, str]]
    """groupId -> private endpoint resource id."""
    zone_ids: pulumi.Output[dict[str, str]]
    """Zone name -> private DNS zone id (created or existing) the endpoints register in."""

    def __init__(self, name: str, args: PrivateLinkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        plan = endpoint_plan(args["account"])
        zones: dict[str, pulumi.Input[str]] = {}
        for _group, key, existing in plan:
            if key not in zones:
                zones[key] = existing if existing else self._zone(name, key, args, child)
        endpoints = {
            group: self._endpoint(name, group, key, zones[key], args, child) for group, key, _ in plan
        }
        self.endpoint_ids = pulumi.Output.all(**{g: e.id for g, e in endpoints.items()})
        self.zone_ids = pulumi.Output.all(**{ZONES[k]: pulumi.Output.from_input(z) for k, z in zones.items()})
        self.register_outputs({"endpoint_ids": self.endpoint_ids, "zone_ids": self.zone_ids})

    def _zone(
        self, name: str, key: str, args: PrivateLinkArgs, child: pulumi.ResourceOptions
    ) -> pulumi.Output[str]:
        zone = privatedns.PrivateZone(
            f"{name}-zone-{key}",
            private_zone_name=ZONES[key],
            resource_group_name=args["resource_group_name"],
            location=GLOBAL,
            tags=args["tags"],
            opts=child,
        )
        # Without the link nothing in the VNet resolves through the zone: callers would reach the public IP.
        privatedns.VirtualNetworkLink(
            f"{name}-zone-{key}-link",
            private_zone_name=zone.name,
            resource_group_name=args["resource_group_name"],
            virtual_network_link_name=f"link-{key}",
            location=GLOBAL,
            virtual_network={"id": args["virtual_network_id"]},
            registration_enabled=False,
            tags=args["tags"],
            opts=child,
        )
        return zone.id

    def _endpoint(
        self,
        name: str,
        group: str,
        key: str,
        zone_id: pulumi.Input[str],
        args: PrivateLinkArgs,
        child: pulumi.ResourceOptions,
    ) -> network.PrivateEndpoint:
        owner = args["batch_account_name"] if key == "batch" else args["storage_account_name"]
        target = args["batch_account_id"] if key == "batch" else args["storage_account_id"]
        endpoint_name = f"pe-{owner}-{group.lower()}"
        endpoint = network.PrivateEndpoint(
            f"{name}-endpoint-{group}",
            private_endpoint_name=endpoint_name,
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            subnet={"id": args["subnet_id"]},
            private_link_service_connections=[
                {"name": endpoint_name, "private_link_service_id": target, "group_ids": [group]}
            ],
            tags=args["tags"],
            opts=child,
        )
        network.PrivateDnsZoneGroup(
            f"{name}-endpoint-{group}-dns",
            private_dns_zone_group_name="default",
            private_endpoint_name=endpoint.name,
            resource_group_name=args["resource_group_name"],
            private_dns_zone_configs=[{"name": ZONES[key].replace(".", "-"), "private_dns_zone_id": zone_id}],
            opts=child,
        )
        return endpoint
