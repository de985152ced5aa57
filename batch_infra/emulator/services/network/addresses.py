"""Address-space rules Azure applies to virtual networks and subnets (pure functions over CIDR strings)."""

from __future__ import annotations

import ipaddress
from typing import Any

from batch_infra.emulator.errors import AzureError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_prefix(prefix: Any, resource_id: str, target: str) -> Network:
    """A CIDR that must be in network form: '10.0.0.5/24' is refused with the prefix Azure would suggest."""
    if not isinstance(prefix, str):
        raise AzureError(
            400,
            "InvalidAddressPrefixFormat",
            f"Address prefix {prefix!r} of resource {resource_id} is not formatted correctly.",
            target=target,
        )
    try:
        network = ipaddress.ip_network(prefix, strict=False)
    except ValueError as err:
        raise AzureError(
            400,
            "InvalidAddressPrefixFormat",
            f"Address prefix {prefix} of resource {resource_id} is not formatted correctly: {err}.",
            target=target,
        ) from err
    if "/" not in prefix or str(network) != prefix:
        raise AzureError(
            400,
            "InvalidCIDRNotation",
            f"The address prefix {prefix} in resource {resource_id} has an invalid CIDR notation. For "
            f"the given prefix length, the address prefix should be {network}.",
            target=target,
        )
    return network


def address_space(properties: dict[str, Any], resource_id: str) -> list[Network]:
    space = properties.get("addressSpace")
    prefixes = space.get("addressPrefixes") if isinstance(space, dict) else None
    if not isinstance(prefixes, list) or not prefixes:
        raise AzureError(
            400,
            "InvalidRequestFormat",
            f"Virtual network {resource_id} needs properties.addressSpace.addressPrefixes (e.g. "
            "['10.0.0.0/16']).",
            target="properties.addressSpace.addressPrefixes",
        )
    networks = [parse_prefix(p, resource_id, "properties.addressSpace.addressPrefixes") for p in prefixes]
    for i, first in enumerate(networks):
        for second in networks[i + 1 :]:
            if first.version == second.version and first.overlaps(second):
                raise AzureError(
                    400,
                    "VnetAddressSpacesOverlap",
                    f"Cannot create or update virtual network {resource_id} because address spaces "
                    f"{first} and {second} overlap.",
                )
    return networks


def check_subnet(
    name: str,
    prefixes: list[Network],
    vnet_name: str,
    space: list[Network],
    siblings: dict[str, list[Network]],
) -> None:
    """Refuse a subnet prefix outside the VNet's address space or overlapping another subnet (or one of
    the subnet's own prefixes), as Azure does."""
    for index, prefix in enumerate(prefixes):
        if not any(prefix.version == net.version and prefix.subnet_of(net) for net in space):  # type: ignore[arg-type]
            raise AzureError(
                400,
                "NetcfgSubnetRangeOutsideVnet",
                f"Subnet '{name}' is not valid because its IP address range {prefix} is outside the IP "
                f"address range of virtual network '{vnet_name}'.",
            )
        others = [(other, p) for other, ps in siblings.items() if other.lower() != name.lower() for p in ps]
        others += [(name, p) for p in prefixes[index + 1 :]]
        for other, other_prefix in others:
            if prefix.version == other_prefix.version and prefix.overlaps(other_prefix):
                raise AzureError(
                    400,
                    "NetcfgSubnetRangesOverlap",
                    f"Subnet '{name}' is not valid in virtual network '{vnet_name}' because its IP address "
                    f"range {prefix} overlaps with that of an existing subnet '{other}' in the virtual "
                    "network.",
                )
