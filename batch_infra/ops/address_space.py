"""A new environment's VNet range, overlapping no other stack's, and the copied prefixes moved into it."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import yaml

from batch_infra.config.loader import NAMESPACE
from batch_infra.config.network import NetworkConfig
from batch_infra.errors import ConfigError

Network = ipaddress.IPv4Network
PRIVATE_BLOCKS = tuple(ipaddress.ip_network(b) for b in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
RANGE_KEYS = ("addressSpace", "subnetPrefix", "privateEndpointSubnetPrefix")


def ranges_in_use(project_dir: Path, skip: str | None = None) -> dict[str, list[Network]]:
    """Each stack's own ranges (stacks/Pulumi.<name>.yaml; a stack on an existing subnet has none here).

    Read from the files as written, defaults filled in as the model fills them, so an invalid neighbour
    still counts rather than failing this run."""
    used: dict[str, list[Network]] = {}
    for path in sorted((project_dir / "stacks").glob("Pulumi.*.yaml")):
        name = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        if name == skip:
            continue
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        network = ((document.get("config") or {}) if isinstance(document, dict) else {}).get(
            f"{NAMESPACE}:network"
        )
        used[name] = stack_ranges(network if isinstance(network, dict) else {})
    return used


def stack_ranges(network: dict[str, Any]) -> list[Network]:
    if network.get("subnetId"):
        return []
    defaults = NetworkConfig()
    values = {
        "addressSpace": defaults.address_space,
        "subnetPrefix": defaults.subnet_prefix,
        **{k: v for k, v in network.items() if k in RANGE_KEYS},
    }
    return [net for value in values.values() if (net := _network(value)) is not None]


def overlaps(candidate: Network, used: dict[str, list[Network]]) -> list[str]:
    """The stacks whose ranges overlap `candidate`, sorted."""
    return sorted(name for name, nets in used.items() if any(candidate.overlaps(net) for net in nets))


def free_address_space(source: Network, used: dict[str, list[Network]]) -> Network:
    """The first range as large as `source`, from `source` onwards (then from the start of its private
    block), that overlaps no stack's ranges; ConfigError with the fix when the block is full."""
    block = next((b for b in PRIVATE_BLOCKS if source.subnet_of(b)), PRIVATE_BLOCKS[0])
    candidates = list(block.subnets(new_prefix=source.prefixlen))
    start = next((i for i, net in enumerate(candidates) if net == source), 0)
    for candidate in candidates[start:] + candidates[:start]:
        if not overlaps(candidate, used):
            return candidate
    raise ConfigError(
        [
            f"every /{source.prefixlen} of {block} overlaps another stack's network; fix: pass "
            "--address-space with a free range (a smaller one, or from another private block)"
        ]
    )


def move(value: Any, old: Network, new: Network) -> Any:
    """`value` moved from `old` into `new` at the same offset when it is an address or range inside `old`
    (the environment's own subnets, rules naming its VNet); anything else unchanged."""
    net = _network(value)
    if net is None or not net.subnet_of(old):
        return value
    offset = int(net.network_address) - int(old.network_address)
    moved = ipaddress.ip_network((int(new.network_address) + offset, net.prefixlen), strict=False)
    return str(moved) if "/" in str(value) else str(moved.network_address)


def _network(value: Any) -> Network | None:
    if not isinstance(value, str) or not value[:1].isdigit():
        return None
    try:
        net = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None
    return net if isinstance(net, Network) else None
