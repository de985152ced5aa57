"""URL patterns of private endpoints, DNS zone groups, private DNS zones, VNet links, Batch private link."""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.routing import RG, Router
from batch_infra.emulator.services.private_link.handlers import PrivateLinkHandlers

# Every published api-version of each type (api_versions.json); a child has its parent's file's versions.
ENDPOINTS = "Microsoft.Network/privateEndpoints"
ZONE_GROUPS = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups"
ZONES = "Microsoft.Network/privateDnsZones"
BATCH_ACCOUNTS = "Microsoft.Batch/batchAccounts"
ENDPOINT = RG + r"/providers/Microsoft\.Network/privateEndpoints/(?P<endpoint>[^/]+)"
ZONE_GROUP = ENDPOINT + r"/privateDnsZoneGroups/(?P<zone_group>[^/]+)"
ZONE = RG + r"/providers/Microsoft\.Network/privateDnsZones/(?P<zone>[^/]+)"
LINK = ZONE + r"/virtualNetworkLinks/(?P<link>[^/]+)"
ACCOUNT = RG + r"/providers/Microsoft\.Batch/batchAccounts/(?P<account_name>[^/]+)"


def register(router: Router, ctx: EmulatorContext) -> None:
    h = PrivateLinkHandlers(ctx)
    router.add_resource(ENDPOINT, ENDPOINTS, h.put_endpoint, h.get_endpoint, h.delete_endpoint)
    router.add_resource(ZONE_GROUP, ZONE_GROUPS, h.put_zone_group, h.get_zone_group, h.delete_zone_group)
    router.add_resource(ZONE, ZONES, h.put_zone, h.get_zone, h.delete_zone)
    router.add_resource(LINK, ZONES, h.put_link, h.get_link, h.delete_link)
    for path, handler in (
        (ACCOUNT + "/privateLinkResources", h.list_link_resources),
        (ACCOUNT + r"/privateLinkResources/(?P<resource>[^/]+)", h.get_link_resource),
        (ACCOUNT + "/privateEndpointConnections", h.list_connections),
        (ACCOUNT + r"/privateEndpointConnections/(?P<connection>[^/]+)", h.get_connection),
    ):
        router.add("GET", path, handler, resource_type=BATCH_ACCOUNTS)
