"""URL patterns of private endpoints, DNS zone groups, private DNS zones, VNet links, Batch private link."""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.routing import RG, Router
from batch_infra.emulator.services.private_link.handlers import PrivateLinkHandlers

# What azure-native 3.x sends (privateEndpoint 2024-05-01, privatedns 2024-06-01, Batch 2024-07-01) and
# what azure-mgmt-network / azure-mgmt-privatedns / azure-mgmt-batch send today.
NETWORK_API_VERSIONS = ("2024-05-01", "2024-07-01", "2024-10-01", "2025-01-01", "2025-03-01", "2025-05-01")
DNS_API_VERSIONS = ("2024-06-01", "2020-06-01")
BATCH_API_VERSIONS = ("2024-07-01", "2025-06-01")
ENDPOINT = RG + r"/providers/Microsoft\.Network/privateEndpoints/(?P<endpoint>[^/]+)"
ZONE_GROUP = ENDPOINT + r"/privateDnsZoneGroups/(?P<zone_group>[^/]+)"
ZONE = RG + r"/providers/Microsoft\.Network/privateDnsZones/(?P<zone>[^/]+)"
LINK = ZONE + r"/virtualNetworkLinks/(?P<link>[^/]+)"
ACCOUNT = RG + r"/providers/Microsoft\.Batch/batchAccounts/(?P<account_name>[^/]+)"


def register(router: Router, ctx: EmulatorContext) -> None:
    h = PrivateLinkHandlers(ctx)
    for path, versions, put, get, delete in (
        (ENDPOINT, NETWORK_API_VERSIONS, h.put_endpoint, h.get_endpoint, h.delete_endpoint),
        (ZONE_GROUP, NETWORK_API_VERSIONS, h.put_zone_group, h.get_zone_group, h.delete_zone_group),
        (ZONE, DNS_API_VERSIONS, h.put_zone, h.get_zone, h.delete_zone),
        (LINK, DNS_API_VERSIONS, h.put_link, h.get_link, h.delete_link),
    ):
        router.add("PUT", path, put, api_versions=versions)
        router.add("GET", path, get, api_versions=versions)
        router.add("DELETE", path, delete, api_versions=versions)
    for path, handler in (
        (ACCOUNT + "/privateLinkResources", h.list_link_resources),
        (ACCOUNT + r"/privateLinkResources/(?P<resource>[^/]+)", h.get_link_resource),
        (ACCOUNT + "/privateEndpointConnections", h.list_connections),
        (ACCOUNT + r"/privateEndpointConnections/(?P<connection>[^/]+)", h.get_connection),
    ):
        router.add("GET", path, handler, api_versions=BATCH_API_VERSIONS)
