"""URL patterns of Microsoft.Network VNets, subnets and NSGs (every published api-version accepted)."""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.routing import RG, Router
from batch_infra.emulator.services.network.handlers import NetworkHandlers

VIRTUAL_NETWORKS = "Microsoft.Network/virtualNetworks"
SECURITY_GROUPS = "Microsoft.Network/networkSecurityGroups"
VNET = RG + r"/providers/Microsoft\.Network/virtualNetworks/(?P<vnet>[^/]+)"
SUBNET = VNET + r"/subnets/(?P<subnet>[^/]+)"
NSG = RG + r"/providers/Microsoft\.Network/networkSecurityGroups/(?P<nsg>[^/]+)"


def register(router: Router, ctx: EmulatorContext) -> None:
    h = NetworkHandlers(ctx)
    # A subnet is a child of its VNet: it has the VNet's versions (both live in virtualNetwork.json).
    router.add_resource(VNET, VIRTUAL_NETWORKS, h.put_vnet, h.get_vnet, h.delete_vnet)
    router.add_resource(SUBNET, VIRTUAL_NETWORKS, h.put_subnet, h.get_subnet, h.delete_subnet)
    router.add_resource(NSG, SECURITY_GROUPS, h.put_nsg, h.get_nsg, h.delete_nsg)
