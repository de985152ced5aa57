"""Config of the environment's virtual network: address space, the pool subnet, its NSG rules."""

from __future__ import annotations

import ipaddress

from pydantic import field_validator, model_validator

from batch_infra.config.base import Model, invalid


class NetworkConfig(Model):
    """Required. The VNet the pools join: one subnet for Batch nodes, an NSG for simplified communication."""

    address_space: str = "10.0.0.0/16"
    subnet_prefix: str = "10.0.0.0/20"
    # Extra outbound destinations (service tags or CIDRs) nodes need on 443 besides Batch and Storage.
    extra_outbound_443: list[str] = []

    @field_validator("address_space", "subnet_prefix")
    @classmethod
    def _cidr(cls, value: str) -> str:
        try:
            net = ipaddress.ip_network(value, strict=True)
        except ValueError as err:
            raise invalid(f"{value!r} is not a valid CIDR block ({err})",
                          "write it like 10.20.0.0/16") from err
        if net.version != 4:
            raise invalid(f"{value!r} is IPv6", "Batch pool subnets need an IPv4 CIDR such as 10.20.0.0/16")
        if not net.is_private:
            raise invalid(f"{value!r} is not a private (RFC 1918) range",
                          "use 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")
        return value

    @model_validator(mode="after")
    def _subnet_inside_vnet(self) -> NetworkConfig:
        vnet = ipaddress.ip_network(self.address_space)
        subnet = ipaddress.ip_network(self.subnet_prefix)
        if not subnet.subnet_of(vnet):
            raise invalid(
                f"subnetPrefix {self.subnet_prefix} is not inside addressSpace {self.address_space}",
                f"choose a subnet within {self.address_space}",
                at="subnetPrefix",
            )
        if subnet.prefixlen > 29:
            raise invalid(f"subnetPrefix {self.subnet_prefix} is smaller than /29",
                          "Azure subnets need at least /29", at="subnetPrefix")
        return self
