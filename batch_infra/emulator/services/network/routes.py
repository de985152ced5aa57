"""URL patterns of Microsoft.Network VNets, subnets and NSGs and the api-versions accepted on them."""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.routing import RG, Router
from batch_infra.emulator.services.network.handlers import NetworkHandlers

# 2025-05-01 is what azure-mgmt-network 30 sends; 2026-03-01 is the spec extract's version.
API_VERSIONS = (
    "2026-03-01",
    "2025-05-01",
    "2025-03-01",
    "2025-01-01",
    "2024-07-01",
    "2024-05-01",
    "2024-03-01",
    "2024-01-01",
    "2023-11-01",
    "2023-09-01",
)
VNET = RG + r"/providers/Microsoft\.Network/virtualNetworks/(?P<vnet>[^/]+)"
SUBNET = VNET + r"/subnets/(?P<subnet>[^/]+)"
NSG = RG + r"/providers/Microsoft\.Network/networkSecurityGroups/(?P<nsg>[^/]+)"


def register(router: Router, ctx: EmulatorContext) -> None:
    h = NetworkHandlers(ctx)
    for path, put, get, delete in (
        (VNET, h.put_vnet, h.get_vnet, h.delete_vnet),
        (SUBNET, h.put_subnet, h.get_subnet, h.delete_subnet),
        (NSG, h.put_nsg, h.get_nsg, h.delete_nsg),
    ):
        router.add("PUT", path, put, api_versions=API_VERSIONS)
        router.add("GET", path, get, api_versions=API_VERSIONS)
        router.add("DELETE", path, delete, api_versions=API_VERSIONS)
