"""Microsoft.Network: virtual networks, subnets and network security groups (async-operation LROs)."""

from batch_infra.emulator.services.network.routes import register

__all__ = ["register"]
