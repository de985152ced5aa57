"""BatchNetwork: the VNet, the pool and endpoint subnets, and the NSG simplified node communication needs.

With `network.subnetId` the network is brought (a landing zone): nothing is created and the component only
hands the existing ids on.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

import pulumi
from pulumi_azure_native import network

from batch_infra.config.network import NetworkConfig

TYPE = "batch-infra:network:BatchNetwork"
FIRST_PRIORITY = 100
# Deny rules sit below every allow rule the stack writes (100...) and above Azure's defaults (65000...).
DENY_PRIORITY = 4000


class BatchNetworkArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    """Required. The resource group the network lives in."""
    location: str
    """Required. Azure region, e.g. westeurope; also names the regional service tags."""
    virtual_network_name: str
    """Required. Name of the VNet."""
    subnet_name: str
    """Required. Name of the subnet the pools' nodes join."""
    network_security_group_name: str
    """Required. Name of the NSG associated with the subnet."""
    network: NetworkConfig
    """Required. Validated address space, subnet prefix and extra outbound destinations."""
    pools: NotRequired[list[Any]]
    """Optional. The stack's pools: their declared inbound endpoints become the NSG's only inbound allows."""
    tags: dict[str, str]
    """Required. Tags for every taggable child."""


def node_communication_rules(location: str, extra_outbound_443: list[str]) -> list[dict[str, Any]]:
    """Outbound TCP 443 allows for simplified node communication: Batch node management, Storage, extras.

    Simplified communication needs no inbound rule at all (classic needed 29876-29877 inbound); nodes reach
    auto-storage for application packages and resource files, hence Storage.<region>.
    """
    destinations = [
        (
            "allow-batch-node-management-out",
            f"BatchNodeManagement.{location}",
            "Batch node agent to the Batch service (simplified node communication)",
        ),
        (
            "allow-storage-out",
            f"Storage.{location}",
            "Nodes to auto-storage: application packages, resource files",
        ),
    ]
    destinations += [
        (f"allow-extra-{index}-out", target, "network.extraOutbound443 in the stack config")
        for index, target in enumerate(extra_outbound_443)
    ]
    return [
        {
            "name": rule_name,
            "description": description,
            "priority": FIRST_PRIORITY + 10 * index,
            "direction": "Outbound",
            "access": "Allow",
            "protocol": "Tcp",
            "source_address_prefix": "VirtualNetwork",
            "source_port_range": "*",
            "destination_address_prefix": target,
            "destination_port_range": "443",
        }
        for index, (rule_name, target, description) in enumerate(destinations)
    ]


INBOUND_FIRST_PRIORITY = 1000  # after the outbound allows, before the deny rules


def pool_inbound_rules(pools: list[Any]) -> list[dict[str, Any]]:
    """The inbound allows the pools in this subnet declare (network.endpointConfiguration NAT pools' Allow
    rules): traffic reaches the node on the backend port, so the subnet NSG must let exactly that in."""
    rules: list[dict[str, Any]] = []
    for pool in pools:
        endpoints = pool.network.endpoint_configuration
        if pool.network.subnet != "environment" or endpoints is None:
            continue
        for nat in endpoints.inbound_nat_pools:
            for index, rule in enumerate(r for r in nat.network_security_group_rules if r.access == "Allow"):
                rules.append(
                    {
                        "name": f"allow-pool-{pool.id}-{nat.name}-{index}-in",
                        "description": f"pools[{pool.id}].network.endpointConfiguration {nat.name}",
                        "direction": "Inbound",
                        "access": "Allow",
                        "protocol": nat.protocol.capitalize(),
                        "source_address_prefix": rule.source_address_prefix,
                        "source_port_range": "*",
                        "destination_address_prefix": "VirtualNetwork",
                        "destination_port_range": str(nat.backend_port),
                    }
                )
    for offset, rule in enumerate(rules):
        rule["priority"] = INBOUND_FIRST_PRIORITY + 10 * offset
    return rules


def deny_rules(deny_internet_outbound: bool) -> list[dict[str, Any]]:
    """No inbound from the Internet at all (simplified communication needs none, and no pool here declares
    inbound endpoints); with denyInternetOutbound, no outbound to the Internet beyond the 443 allows."""
    rules = [_deny("deny-internet-in", "Inbound", "Internet", "*", "Nothing from the Internet reaches nodes")]
    if deny_internet_outbound:
        rules.append(
            _deny(
                "deny-internet-out",
                "Outbound",
                "*",
                "Internet",
                "network.denyInternetOutbound: only the 443 allows above leave the VNet",
            )
        )
    return rules


def _deny(name: str, direction: str, source: str, destination: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "priority": DENY_PRIORITY,
        "direction": direction,
        "access": "Deny",
        "protocol": "*",
        "source_address_prefix": source,
        "source_port_range": "*",
        "destination_address_prefix": destination,
        "destination_port_range": "*",
    }


def vnet_of(subnet_id: str) -> str:
    """The VNet id of a subnet id (…/virtualNetworks/<vnet>/subnets/<subnet>)."""
    return subnet_id.rsplit("/subnets/", 1)[0]


class BatchNetwork(pulumi.ComponentResource):
    """The pool network: a VNet with one subnet for Batch nodes, guarded by an NSG."""

    virtual_network_id: pulumi.Output[str]
    """The VNet's resource id."""
    virtual_network_name: pulumi.Output[str]
    """The VNet's name."""
    subnet_id: pulumi.Output[str]
    """The pool subnet's resource id (what pools put in networkConfiguration.subnetId)."""
    subnet_name: pulumi.Output[str]
    """The pool subnet's name."""
    network_security_group_id: pulumi.Output[str | None]
    """The NSG's resource id (None when the network is brought)."""
    private_endpoint_subnet_id: pulumi.Output[str | None]
    """The subnet private endpoints join, or None when the config asks for none."""

    def __init__(self, name: str, args: BatchNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        config = args["network"]
        if not config.creates_network():
            self._existing(config.subnet_id or "", config.private_endpoint_subnet_id)
            return
        nsg = network.NetworkSecurityGroup(
            f"{name}-nsg",
            network_security_group_name=args["network_security_group_name"],
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            security_rules=[
                *node_communication_rules(args["location"], list(config.extra_outbound_443)),
                *pool_inbound_rules(list(args.get("pools") or [])),
                *deny_rules(config.deny_internet_outbound),
            ],
            tags=args["tags"],
            opts=child,
        )
        # The subnet is its own resource; azure-native v2+ keeps standalone subnets when the VNet is updated
        # without an inline `subnets` list, so the two never fight over the subnet.
        vnet = network.VirtualNetwork(
            f"{name}-vnet",
            virtual_network_name=args["virtual_network_name"],
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            address_space={"address_prefixes": [config.address_space]},
            tags=args["tags"],
            opts=child,
        )
        subnet = network.Subnet(
            f"{name}-subnet",
            subnet_name=args["subnet_name"],
            virtual_network_name=vnet.name,
            resource_group_name=args["resource_group_name"],
            address_prefix=config.subnet_prefix,
            network_security_group={"id": nsg.id},
            opts=child,
        )
        endpoint_subnet = None
        if config.private_endpoint_subnet_prefix is not None:
            # After the pool subnet: Azure serialises subnet writes on one VNet (AnotherOperationInProgress).
            endpoint_subnet = network.Subnet(
                f"{name}-endpoint-subnet",
                subnet_name="snet-private-endpoints",
                virtual_network_name=vnet.name,
                resource_group_name=args["resource_group_name"],
                address_prefix=config.private_endpoint_subnet_prefix,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[subnet]),
            )
        self.virtual_network_id = vnet.id
        self.virtual_network_name = vnet.name
        self.subnet_id = subnet.id
        self.subnet_name = subnet.name
        self.network_security_group_id = pulumi.Output.from_input(nsg.id)
        self.private_endpoint_subnet_id = pulumi.Output.from_input(
            endpoint_subnet.id if endpoint_subnet else None
        )
        self._register()

    def _existing(self, subnet_id: str, endpoint_subnet_id: str | None) -> None:
        vnet_id = vnet_of(subnet_id)
        self.virtual_network_id = pulumi.Output.from_input(vnet_id)
        self.virtual_network_name = pulumi.Output.from_input(vnet_id.rsplit("/", 1)[1])
        self.subnet_id = pulumi.Output.from_input(subnet_id)
        self.subnet_name = pulumi.Output.from_input(subnet_id.rsplit("/", 1)[1])
        self.network_security_group_id = pulumi.Output.from_input(None)
        self.private_endpoint_subnet_id = pulumi.Output.from_input(endpoint_subnet_id)
        self._register()

    def _register(self) -> None:
        self.register_outputs(
            {
                "virtual_network_id": self.virtual_network_id,
                "virtual_network_name": self.virtual_network_name,
                "subnet_id": self.subnet_id,
                "subnet_name": self.subnet_name,
                "network_security_group_id": self.network_security_group_id,
                "private_endpoint_subnet_id": self.private_endpoint_subnet_id,
            }
        )
