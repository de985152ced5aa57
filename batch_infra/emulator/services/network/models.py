"""Virtual network, subnet and network security group documents, with Azure's validation rules."""

from __future__ import annotations

import uuid
from typing import Any

from batch_infra.emulator import arm
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.services.network import addresses
from batch_infra.emulator.services.network.kinds import (  # noqa: F401 (re-exported)
    NSG_TYPE,
    NSGS,
    RULE_TYPE,
    SUBNET_TYPE,
    SUBNETS,
    VNET_TYPE,
    VNETS,
)
from batch_infra.emulator.services.network.subnets import etag as _etag
from batch_infra.emulator.services.network.subnets import parsed, subnet_doc

# flowTimeoutInMinutes: between 4 and 30 minutes (learn.microsoft.com/azure/virtual-network/
# virtual-network-tcp-ip-flow-timeout-overview); Azure's error code for a value outside it is not published
# (unverified).
_FLOW_TIMEOUT = (4, 30)
_ENCRYPTION_ENFORCEMENT = ("DropUnencrypted", "AllowUnencrypted")
# Every NSG carries Azure's six default rules, with the descriptions Azure gives them (Microsoft's 2026-03-01
# example NetworkSecurityGroupCreate, replayed in tests/emulator/replay).
_DEFAULT_RULES = (
    ("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*"),
    ("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"),
    ("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet"),
    ("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"),
)
_DEFAULT_RULE_DESCRIPTIONS = {
    "AllowVnetInBound": "Allow inbound traffic from all VMs in VNET",
    "AllowAzureLoadBalancerInBound": "Allow inbound traffic from azure load balancer",
    "DenyAllInBound": "Deny all inbound traffic",
    "AllowVnetOutBound": "Allow outbound traffic from all VMs to all VMs in VNET",
    "AllowInternetOutBound": "Allow outbound traffic from all VMs to Internet",
    "DenyAllOutBound": "Deny all outbound traffic",
}


def _not_found(kind: str, name: str, group: str) -> AzureError:
    return AzureError(
        404, "ResourceNotFound", f"The Resource '{kind}/{name}' under resource group '{group}' was not found."
    )


def _get(ctx: EmulatorContext, collection: str, key: str, kind: str, name: str, group: str) -> dict[str, Any]:
    doc = ctx.state.get(collection, key)
    if doc is None:
        raise _not_found(kind, name, group)
    return doc


# -- virtual networks ------------------------------------------------------------------------------
def vnet_id(subscription: str, group: str, name: str) -> str:
    return f"{arm.resource_group_id(subscription, group)}/providers/{VNET_TYPE}/{name}"


def get_vnet(ctx: EmulatorContext, subscription: str, group: str, name: str) -> dict[str, Any]:
    doc = _get(ctx, VNETS, vnet_id(subscription, group, name), VNET_TYPE, name, group)
    doc["properties"]["subnets"] = [s for _k, s in ctx.state.items(SUBNETS, doc["id"] + "/subnets/")]
    return doc


def put_vnet(
    ctx: EmulatorContext, subscription: str, group: str, name: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """Create or replace; the body's subnets replace the VNet's subnets (absent ones go, as in Azure)."""
    key = vnet_id(subscription, group, name)
    location = arm.normalize_location(body.get("location"))
    props = arm.properties(body, required=True)
    space = addresses.address_space(props, key)
    with ctx.state.transaction() as state:
        existing = state.get(VNETS, key)
        if existing is not None and existing["location"] != location:
            raise AzureError(
                400,
                "InvalidResourceLocation",
                f"Virtual network {name} exists in '{existing['location']}', not '{location}'.",
            )
        wanted = props.get("subnets") or []
        if not isinstance(wanted, list):
            raise AzureError(
                400,
                "InvalidRequestFormat",
                "properties.subnets must be an array.",
                target="properties.subnets",
            )
        subnets = _vnet_subnets(ctx, key, name, space, wanted)
        doc = {
            "id": key,
            "name": name,
            "type": VNET_TYPE,
            "location": location,
            "etag": _etag(),
            "properties": {
                "addressSpace": {"addressPrefixes": [str(n) for n in space]},
                "provisioningState": "Updating",
                "resourceGuid": (existing or {}).get("properties", {}).get("resourceGuid", str(uuid.uuid4())),
                "virtualNetworkPeerings": [],
                "enableDdosProtection": False,
            },
        }
        doc["properties"].update(_vnet_options(props, key))
        if tags := arm.check_tags(body):
            doc["tags"] = tags
        for old_key, _old in state.items(SUBNETS, key + "/subnets/"):
            state.delete(SUBNETS, old_key)
        for subnet in subnets:
            state.put(SUBNETS, subnet["id"], subnet)
        state.put(VNETS, key, doc)
    return doc, existing is None


def _vnet_options(props: dict[str, Any], key: str) -> dict[str, Any]:
    """The optional VNet properties Azure echoes: flowTimeoutInMinutes and encryption, checked."""
    options: dict[str, Any] = {}
    timeout = props.get("flowTimeoutInMinutes")
    if timeout is not None:
        low, high = _FLOW_TIMEOUT
        if isinstance(timeout, bool) or not isinstance(timeout, int) or not low <= timeout <= high:
            raise AzureError(
                400,
                "InvalidRequestFormat",
                f"Virtual network {key}: flowTimeoutInMinutes {timeout!r} must be an integer between {low} "
                f"and {high}.",
                target="properties.flowTimeoutInMinutes",
            )
        options["flowTimeoutInMinutes"] = timeout
    encryption = props.get("encryption")
    if encryption is not None:
        given = encryption if isinstance(encryption, dict) else {}
        enforcement = given.get("enforcement", "AllowUnencrypted")
        if not isinstance(given.get("enabled"), bool) or enforcement not in _ENCRYPTION_ENFORCEMENT:
            raise AzureError(
                400,
                "InvalidRequestFormat",
                f"Virtual network {key}: encryption needs 'enabled' (true or false) and 'enforcement' one of "
                f"{', '.join(_ENCRYPTION_ENFORCEMENT)}.",
                target="properties.encryption",
            )
        options["encryption"] = {"enabled": given["enabled"], "enforcement": enforcement}
    if (communities := props.get("bgpCommunities")) is not None:
        options["bgpCommunities"] = {"virtualNetworkCommunity": _community(communities, key)}
    return options


def _community(communities: Any, key: str) -> str:
    """virtualNetworkCommunity: '12076:<n>' with n in Azure's custom range 20000-49999 (learn.microsoft.com/
    azure/expressroute/how-to-configure-custom-bgp-communities; the range as we read it: unverified). The
    regionalCommunity Azure adds is per region, and its table is not on hand: not answered."""
    value = communities.get("virtualNetworkCommunity") if isinstance(communities, dict) else None
    asn, _, number = value.partition(":") if isinstance(value, str) else ("", "", "")
    if asn != "12076" or not number.isdigit() or not 20000 <= int(number) <= 49999:
        raise AzureError(
            400,
            "InvalidRequestFormat",
            f"Virtual network {key}: bgpCommunities.virtualNetworkCommunity {value!r} must be "
            "'12076:<20000-49999>'.",
            target="properties.bgpCommunities.virtualNetworkCommunity",
        )
    return value


def _vnet_subnets(
    ctx: EmulatorContext, key: str, vnet_name: str, space: list, wanted: list
) -> list[dict[str, Any]]:
    built: list[dict[str, Any]] = []
    taken: dict[str, list[addresses.Network]] = {}
    for index, spec in enumerate(wanted):
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise AzureError(
                400,
                "InvalidRequestFormat",
                f"properties.subnets[{index}] needs a 'name'.",
                target=f"properties.subnets[{index}].name",
            )
        subnet = subnet_doc(ctx, key, spec["name"], arm.properties(spec, required=True))
        networks = parsed(subnet)
        addresses.check_subnet(spec["name"], networks, vnet_name, space, taken)
        taken[spec["name"]] = networks
        built.append(subnet)
    return built


def finish(ctx: EmulatorContext, collection: str, key: str) -> dict[str, Any]:
    """Complete a create/update LRO: the resource becomes Succeeded."""
    with ctx.state.transaction() as state:
        doc = state.get(collection, key)
        if doc is None:
            raise AzureError(
                404, "ResourceNotFound", f"The resource '{key}' was deleted while being updated."
            )
        doc["properties"]["provisioningState"] = "Succeeded"
        state.put(collection, key, doc)
    return doc


def delete(ctx: EmulatorContext, collection: str, key: str) -> None:
    with ctx.state.transaction() as state:
        arm.delete_children(ctx, key)
        state.delete(collection, key)


# -- subnets ---------------------------------------------------------------------------------------
def get_subnet(ctx: EmulatorContext, subscription: str, group: str, vnet: str, name: str) -> dict[str, Any]:
    get_vnet(ctx, subscription, group, vnet)
    return _get(
        ctx,
        SUBNETS,
        f"{vnet_id(subscription, group, vnet)}/subnets/{name}",
        SUBNET_TYPE,
        f"{vnet}/{name}",
        group,
    )


def put_subnet(
    ctx: EmulatorContext, subscription: str, group: str, vnet: str, name: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    with ctx.state.transaction() as state:
        network = get_vnet(ctx, subscription, group, vnet)
        subnet = subnet_doc(ctx, network["id"], name, arm.properties(body, required=True))
        space = [
            addresses.parse_prefix(p, network["id"], "addressPrefixes")
            for p in network["properties"]["addressSpace"]["addressPrefixes"]
        ]
        siblings = {s["name"]: parsed(s) for s in network["properties"]["subnets"]}
        addresses.check_subnet(name, parsed(subnet), vnet, space, siblings)
        created = state.get(SUBNETS, subnet["id"]) is None
        subnet["properties"]["provisioningState"] = "Updating"
        state.put(SUBNETS, subnet["id"], subnet)
    return subnet, created


# -- network security groups -----------------------------------------------------------------------
def nsg_id(subscription: str, group: str, name: str) -> str:
    return f"{arm.resource_group_id(subscription, group)}/providers/{NSG_TYPE}/{name}"


def get_nsg(ctx: EmulatorContext, subscription: str, group: str, name: str) -> dict[str, Any]:
    doc = _get(ctx, NSGS, nsg_id(subscription, group, name), NSG_TYPE, name, group)
    users = [
        {"id": s["id"]}
        for _k, s in ctx.state.items(SUBNETS)
        if s["properties"].get("networkSecurityGroup", {}).get("id", "").lower() == doc["id"].lower()
    ]
    if users:
        doc["properties"]["subnets"] = users
    return doc


def _rule(nsg_key: str, spec: Any, index: int, kind: str = "securityRules") -> dict[str, Any]:
    where = f"properties.securityRules[{index}]"
    props = spec.get("properties") if isinstance(spec, dict) else None
    if not isinstance(props, dict) or not isinstance(spec.get("name"), str):
        raise AzureError(400, "InvalidRequestFormat", f"{where} needs 'name' and 'properties'.", target=where)
    priority = props.get("priority")
    if isinstance(priority, bool) or not isinstance(priority, int) or not 100 <= priority <= 4096:
        raise AzureError(
            400,
            "SecurityRuleInvalidPriority",
            f"Security rule {spec['name']} has invalid priority {priority}. Value provided: {priority}. "
            "Allowed range 100-4096.",
            target=f"{where}.properties.priority",
        )
    for field, allowed in (
        ("direction", ("Inbound", "Outbound")),
        ("access", ("Allow", "Deny")),
        ("protocol", ("Tcp", "Udp", "Icmp", "Esp", "Ah", "*")),
    ):
        if props.get(field) not in allowed:
            raise AzureError(
                400,
                "InvalidRequestFormat",
                f"Security rule {spec['name']} has invalid {field} {props.get(field)!r}; "
                f"allowed: {', '.join(allowed)}.",
                target=f"{where}.properties.{field}",
            )
    properties = {k: v for k, v in props.items() if k != "provisioningState"}
    properties["provisioningState"] = "Succeeded"
    return {
        "id": f"{nsg_key}/{kind}/{spec['name']}",
        "name": spec["name"],
        "type": RULE_TYPE,
        "etag": _etag(),
        "properties": properties,
    }


def _default_rules(nsg_key: str) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{nsg_key}/defaultSecurityRules/{name}",
            "name": name,
            "type": RULE_TYPE,
            "etag": _etag(),
            "properties": {
                "description": _DEFAULT_RULE_DESCRIPTIONS[name],
                "protocol": "*",
                "sourcePortRange": "*",
                "destinationPortRange": "*",
                "sourceAddressPrefix": source,
                "destinationAddressPrefix": dest,
                "access": access,
                "priority": priority,
                "direction": direction,
                "provisioningState": "Succeeded",
            },
        }
        for name, priority, direction, access, source, dest in _DEFAULT_RULES
    ]


def put_nsg(
    ctx: EmulatorContext, subscription: str, group: str, name: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    key = nsg_id(subscription, group, name)
    location = arm.normalize_location(body.get("location"))
    props = arm.properties(body)
    specs = props.get("securityRules") or []
    rules = [_rule(key, spec, i) for i, spec in enumerate(specs if isinstance(specs, list) else [None])]
    seen: dict[tuple[str, int], str] = {}
    for rule in rules:
        slot = (rule["properties"]["direction"], rule["properties"]["priority"])
        if slot in seen:
            raise AzureError(
                400,
                "SecurityRuleConflict",
                f"Security rules {seen[slot]} and {rule['name']} have the same priority {slot[1]} "
                f"and direction {slot[0]}.",
            )
        seen[slot] = rule["name"]
    with ctx.state.transaction() as state:
        existing = state.get(NSGS, key)
        doc = {
            "id": key,
            "name": name,
            "type": NSG_TYPE,
            "location": location,
            "etag": _etag(),
            "properties": {
                "securityRules": rules,
                "defaultSecurityRules": _default_rules(key),
                "flushConnection": bool(props.get("flushConnection", False)),
                "provisioningState": "Updating",
                "resourceGuid": (existing or {}).get("properties", {}).get("resourceGuid", str(uuid.uuid4())),
            },
        }
        if tags := arm.check_tags(body):
            doc["tags"] = tags
        state.put(NSGS, key, doc)
    return doc, existing is None


def check_nsg_unused(ctx: EmulatorContext, doc: dict[str, Any]) -> None:
    if doc["properties"].get("subnets"):
        users = ", ".join(s["id"] for s in doc["properties"]["subnets"])
        raise AzureError(
            400,
            "InUseNetworkSecurityGroupCannotBeDeleted",
            f"Network security group {doc['id']} cannot be deleted because it is in use by the "
            f"following resources: {users}. Dissociate it from them first.",
        )
