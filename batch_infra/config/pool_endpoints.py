"""Config of a pool's inbound endpoints (network.endpointConfiguration): NAT pools and their NSG rules.

Azure's rules, from the Pool API 2025-06-01 reference (InboundNatPool, NetworkSecurityGroupRule,
PoolEndpointConfiguration): at most 5 NAT pools; names unique, letters/digits/_ . -, starting with a letter or
digit, ending with a letter, digit or _, at most 77 characters; backend ports unique, 1-65535 except 29876 and
29877; frontend ranges 1-65534, outside 50000-55000, at least 40 ports, not overlapping; at most 25 NSG rules
across the pool, priorities 150-4096 and unique; with no rules Azure opens the backend port to everyone.
Since API 2024-07-01 Batch opens no SSH/RDP port by default, so a login needs one of these NAT pools.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from batch_infra.config.base import Model, invalid

NAT_POOL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,75}[A-Za-z0-9_]$|^[A-Za-z0-9]$")
RESERVED_BACKEND_PORTS = (29876, 29877)
RESERVED_FRONTEND = (50000, 55000)
MAX_NAT_POOLS = 5
MAX_RULES = 25
SSH_PORT = 22
RDP_PORT = 3389
PORT_RANGE = re.compile(r"^(\*|\d{1,5}(-\d{1,5})?)$")
# Azure service tags a rule may name instead of an address (a subset; any tag-shaped word is accepted).
SERVICE_TAG = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)?$")


class NetworkSecurityGroupRule(Model):
    """One NSG rule of a NAT pool: who may reach the backend port."""

    priority: int = Field(ge=150, le=4096)
    access: Literal["Allow", "Deny"]
    # A single IP, a CIDR, a service tag (e.g. AzureCloud) or * for every address.
    source_address_prefix: str
    source_port_ranges: list[str] = []

    @field_validator("source_address_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if value == "*" or SERVICE_TAG.match(value):
            return value
        try:
            ipaddress.ip_network(value, strict=True)
        except ValueError as err:
            raise invalid(
                f"{value!r} is not an IP address, CIDR, service tag or * ({err})",
                "write an office CIDR such as 203.0.113.0/24 (host bits zero) or a tag such as AzureCloud",
            ) from err
        return value

    @field_validator("source_port_ranges")
    @classmethod
    def _ports(cls, value: list[str]) -> list[str]:
        for item in value:
            bounds = [int(p) for p in item.split("-")] if PORT_RANGE.match(item) and item != "*" else []
            if not PORT_RANGE.match(item) or any(p > 65535 for p in bounds) or bounds != sorted(bounds):
                raise invalid(
                    f"{item!r} is not a source port range",
                    "use *, a port such as 22 or a range such as 1024-65535 (0-65535)",
                )
        return value


class InboundNatPool(Model):
    """One inbound NAT pool: frontend ports on the pool's public IPs forwarded to a port on every node."""

    name: str
    protocol: Literal["TCP", "UDP"]
    backend_port: int = Field(ge=1, le=65535)
    frontend_port_range_start: int = Field(ge=1, le=65534)
    frontend_port_range_end: int = Field(ge=1, le=65534)
    network_security_group_rules: list[NetworkSecurityGroupRule] = []

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAT_POOL_NAME.match(value):
            raise invalid(
                f"{value!r} is not a valid inbound NAT pool name",
                "use 1-77 letters, digits, _ . -, starting with a letter or digit and ending with a "
                "letter, digit or _ (e.g. ssh)",
            )
        return value

    @field_validator("backend_port")
    @classmethod
    def _backend(cls, value: int) -> int:
        if value in RESERVED_BACKEND_PORTS:
            raise invalid(
                f"backend port {value} is reserved by Batch (29876 and 29877)",
                "use the port your service listens on, e.g. 22 for SSH or 3389 for RDP",
            )
        return value

    @model_validator(mode="after")
    def _range(self) -> InboundNatPool:
        start, end = self.frontend_port_range_start, self.frontend_port_range_end
        if end - start + 1 < 40:
            raise invalid(
                f"frontend ports {start}-{end} hold {max(end - start + 1, 0)} ports; Azure needs at "
                "least 40 (one per node)",
                f"set frontendPortRangeEnd to {start + 39} or more",
                at="frontendPortRangeEnd",
            )
        low, high = RESERVED_FRONTEND
        if start <= high and end >= low:
            raise invalid(
                f"frontend ports {start}-{end} overlap {low}-{high}, which Batch reserves",
                "choose a range outside 50000-55000, e.g. 40000-40099",
                at="frontendPortRangeStart",
            )
        priorities = [r.priority for r in self.network_security_group_rules]
        if len(set(priorities)) != len(priorities):
            raise invalid(
                "two NSG rules share a priority",
                "give every rule its own priority (150-4096)",
                at="networkSecurityGroupRules",
            )
        return self

    def allows_anyone_in(self) -> bool:
        """Whether some source may reach the backend port: no rules (Azure's default allow) or an Allow."""
        rules = self.network_security_group_rules
        return not rules or any(r.access == "Allow" for r in rules)


class EndpointConfiguration(Model):
    """Optional. Inbound NAT pools of the pool's public IPs (Azure opens no SSH/RDP port by default)."""

    inbound_nat_pools: list[InboundNatPool] = Field(min_length=1, max_length=MAX_NAT_POOLS)

    @model_validator(mode="after")
    def _pool_wide(self) -> EndpointConfiguration:
        pools = self.inbound_nat_pools
        for what, values in (
            ("name", [p.name.lower() for p in pools]),
            ("backendPort", [p.backend_port for p in pools]),
        ):
            if len(set(values)) != len(values):
                raise invalid(
                    f"two inbound NAT pools share a {what}",
                    f"give each NAT pool its own {what}",
                    at="inboundNatPools",
                )
        ranges = sorted((p.frontend_port_range_start, p.frontend_port_range_end) for p in pools)
        for (_, end), (start, _) in zip(ranges, ranges[1:], strict=False):
            if start <= end:
                raise invalid(
                    "two inbound NAT pools have overlapping frontend port ranges",
                    "give each NAT pool its own frontend range",
                    at="inboundNatPools",
                )
        rules = [r for p in pools for r in p.network_security_group_rules]
        if len(rules) > MAX_RULES:
            raise invalid(
                f"{len(rules)} NSG rules across the pool; Azure allows {MAX_RULES}",
                "merge rules (a CIDR covers many addresses)",
                at="inboundNatPools",
            )
        priorities = [r.priority for r in rules]
        if len(set(priorities)) != len(priorities):
            raise invalid(
                "NSG rule priorities must be unique across all NAT pools of the pool",
                "give every rule its own priority (150-4096)",
                at="inboundNatPools",
            )
        return self

    def reaches(self, backend_port: int) -> bool:
        """Whether an Allow rule (or Azure's default rule) lets someone reach `backend_port`."""
        return any(
            p.backend_port == backend_port and p.protocol == "TCP" and p.allows_anyone_in()
            for p in self.inbound_nat_pools
        )
