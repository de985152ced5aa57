"""Config of the environment's virtual network: address space, the pool and endpoint subnets, NSG rules."""

from __future__ import annotations

import ipaddress
import re

from pydantic import field_validator, model_validator

from batch_infra.config.base import Model, invalid

_SUBNET_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/virtualNetworks/[^/]+/subnets/[^/]+$",
    re.IGNORECASE,
)
CREATED_KEYS = ("addressSpace", "subnetPrefix", "privateEndpointSubnetPrefix")


class NetworkConfig(Model):
    """Required. The VNet the pools join: one subnet for Batch nodes, an NSG for simplified communication."""

    address_space: str = "10.0.0.0/16"
    subnet_prefix: str = "10.0.0.0/20"
    # Extra outbound destinations (service tags or CIDRs) nodes need on 443 besides Batch and Storage.
    extra_outbound_443: list[str] = []
    # The subnet private endpoints get (Azure recommends one apart from the pools' subnet).
    private_endpoint_subnet_prefix: str | None = None
    # Deny every other outbound Internet flow from the pool subnet (only the 443 allows above pass).
    deny_internet_outbound: bool = False
    # Bring your own network (landing zones): existing subnets by id; the stack then creates no VNet.
    subnet_id: str | None = None
    private_endpoint_subnet_id: str | None = None

    @field_validator("subnet_id", "private_endpoint_subnet_id")
    @classmethod
    def _subnet_id(cls, value: str | None) -> str | None:
        if value is not None and not _SUBNET_ID.match(value):
            raise invalid(f"{value!r} is not a subnet resource id",
                          "use /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Network/"
                          "virtualNetworks/<vnet>/subnets/<subnet>")
        return value

    @field_validator("address_space", "subnet_prefix", "private_endpoint_subnet_prefix")
    @classmethod
    def _cidr(cls, value: str | None) -> str | None:
        if value is None:
            return None
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
        if self.subnet_id is not None:
            return self._existing_only()
        if self.private_endpoint_subnet_id is not None:
            raise invalid("privateEndpointSubnetId names an existing subnet but the pools' subnet is created",
                          "bring both (add subnetId) or neither (use privateEndpointSubnetPrefix)",
                          at="privateEndpointSubnetId")
        self._endpoint_subnet_fits()
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

    def _existing_only(self) -> NetworkConfig:
        """With subnetId the VNet is someone else's: keys that shape a created network would be dropped."""
        for key in CREATED_KEYS:
            field = next(n for n, f in type(self).model_fields.items() if f.alias == key)
            if field in self.model_fields_set:
                raise invalid(f"{key} shapes a network the stack creates, but subnetId brings one",
                              f"drop {key} (the existing VNet's owner sets its ranges)", at=key)
        return self

    def _endpoint_subnet_fits(self) -> None:
        if self.private_endpoint_subnet_prefix is None:
            return
        vnet = ipaddress.ip_network(self.address_space)
        endpoints = ipaddress.ip_network(self.private_endpoint_subnet_prefix)
        key = "privateEndpointSubnetPrefix"
        if not endpoints.subnet_of(vnet):
            raise invalid(f"{key} {endpoints} is not inside addressSpace {vnet}",
                          f"choose a range within {vnet}", at=key)
        if endpoints.overlaps(ipaddress.ip_network(self.subnet_prefix)):
            raise invalid(f"{key} {endpoints} overlaps subnetPrefix {self.subnet_prefix}",
                          "choose a range of the VNet the pool subnet does not use", at=key)
        if endpoints.prefixlen > 29:
            raise invalid(f"{key} {endpoints} is smaller than /29", "Azure subnets need at least /29", at=key)

    def creates_network(self) -> bool:
        return self.subnet_id is None

    def has_endpoint_subnet(self) -> bool:
        return self.private_endpoint_subnet_prefix is not None or self.private_endpoint_subnet_id is not None
