"""A subnet's document as Azure answers it: one prefix or several, delegations, service endpoints, NSG."""

from __future__ import annotations

import uuid
from typing import Any

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.services.network import addresses
from batch_infra.emulator.services.network.kinds import DELEGATION_TYPE, NSGS, SUBNET_TYPE

# References to resource types the emulator does not serve: refused by name rather than accepted unchecked
# (Azure refuses a reference to a resource that does not exist, so accepting one would be kinder than Azure).
_UNSERVED = {
    "serviceEndpointPolicies": "Microsoft.Network/serviceEndpointPolicies",
    "ipamPoolPrefixAllocations": "Microsoft.Network/networkManagers/ipamPools",
    "routeTable": "Microsoft.Network/routeTables",
    "natGateway": "Microsoft.Network/natGateways",
    "ipAllocations": "Microsoft.Network/IpAllocations",
    "serviceGateway": "Microsoft.Network/serviceGateways",
}


def etag() -> str:
    return f'W/"{uuid.uuid4()}"'


def prefixes(doc: dict[str, Any]) -> list[str]:
    """The subnet's address prefixes, whichever of addressPrefix / addressPrefixes it was given."""
    props = doc["properties"]
    return [props["addressPrefix"]] if "addressPrefix" in props else list(props.get("addressPrefixes", []))


def subnet_doc(ctx: EmulatorContext, vnet_key: str, name: str, props: dict[str, Any]) -> dict[str, Any]:
    key = f"{vnet_key}/subnets/{name}"
    _refuse_unserved(props, key)
    delegations = _delegations(key, props.get("delegations"))
    properties: dict[str, Any] = {
        **_address(props, key),
        "provisioningState": "Succeeded",
        "delegations": delegations,
        # Read-only back-references (NICs, navigation links of services using the subnet): none served here.
        "ipConfigurations": [],
        "resourceNavigationLinks": [],
        "privateEndpointNetworkPolicies": props.get("privateEndpointNetworkPolicies", "Disabled"),
        "privateLinkServiceNetworkPolicies": props.get("privateLinkServiceNetworkPolicies", "Enabled"),
    }
    if delegations:
        properties["purpose"] = ""  # as Microsoft's delegated-subnet examples answer it
    for flag in ("defaultOutboundAccess",):
        if flag in props:
            properties[flag] = _boolean(props[flag], f"properties.{flag}", key)
    if props.get("networkSecurityGroup") is not None:
        properties["networkSecurityGroup"] = _nsg_reference(ctx, props["networkSecurityGroup"], key)
    if props.get("serviceEndpoints") is not None:
        properties["serviceEndpoints"] = _service_endpoints(props["serviceEndpoints"], key)
    return {"id": key, "name": name, "type": SUBNET_TYPE, "etag": etag(), "properties": properties}


def _refuse_unserved(props: dict[str, Any], key: str) -> None:
    for name, kind in _UNSERVED.items():
        if props.get(name):
            raise AzureError(
                400,
                "InvalidResourceReference",
                f"Subnet {key}: properties.{name} refers to {kind}, which this emulator does not serve; "
                f"remove properties.{name} (Azure would check that the referenced resource exists).",
                target=f"properties.{name}",
            )


def _address(props: dict[str, Any], key: str) -> dict[str, Any]:
    """addressPrefix or addressPrefixes (a list), never both and never neither, as Azure requires."""
    single, several = props.get("addressPrefix"), props.get("addressPrefixes")
    if single is not None and several:
        raise AzureError(
            400,
            "InvalidRequestFormat",
            f"Subnet {key} has both addressPrefix and addressPrefixes; give only one of them.",
            target="properties.addressPrefixes",
        )
    if single is not None:
        return {"addressPrefix": single}
    if isinstance(several, list) and several:
        return {"addressPrefixes": list(several)}
    raise AzureError(
        400,
        "NoAddressPrefixOrPoolProvided",
        f"Subnet {key} needs properties.addressPrefix (a CIDR inside the virtual network) or "
        "properties.addressPrefixes (a list of them).",
        target="properties.addressPrefix",
    )


def parsed(doc: dict[str, Any]) -> list[addresses.Network]:
    return [addresses.parse_prefix(p, doc["id"], "properties.addressPrefix") for p in prefixes(doc)]


def _delegations(key: str, specs: Any) -> list[dict[str, Any]]:
    if specs is None:
        return []
    if not isinstance(specs, list):
        raise AzureError(
            400,
            "InvalidRequestFormat",
            f"Subnet {key}: properties.delegations must be an array.",
            target="properties.delegations",
        )
    built = []
    for index, spec in enumerate(specs):
        where = f"properties.delegations[{index}]"
        props = spec.get("properties") if isinstance(spec, dict) else None
        service = props.get("serviceName") if isinstance(props, dict) else None
        if not isinstance(spec.get("name") if isinstance(spec, dict) else None, str) or not (
            isinstance(service, str) and service.count("/") == 1
        ):
            raise AzureError(
                400,
                "InvalidRequestFormat",
                f"Subnet {key}: {where} needs a 'name' and properties.serviceName as "
                "'<Namespace>/<resourceType>' (e.g. 'Microsoft.Batch/batchAccounts').",
                target=f"{where}.properties.serviceName",
            )
        actions = props.get("actions", [])
        built.append(
            {
                "name": spec["name"],
                "id": f"{key}/delegations/{spec['name']}",
                "type": DELEGATION_TYPE,
                "etag": etag(),
                "properties": {
                    "serviceName": service,
                    "actions": list(actions) if isinstance(actions, list) else [],
                    "provisioningState": "Succeeded",
                },
            }
        )
    return built


def _service_endpoints(specs: Any, key: str) -> list[dict[str, Any]]:
    if not isinstance(specs, list) or not all(isinstance(e, dict) and e.get("service") for e in specs):
        raise AzureError(
            400,
            "InvalidRequestFormat",
            f"Subnet {key}: properties.serviceEndpoints must be an array of "
            "{'service': 'Microsoft.Storage'} objects.",
            target="properties.serviceEndpoints",
        )
    return [
        {"service": e["service"], "locations": e.get("locations", ["*"]), "provisioningState": "Succeeded"}
        for e in specs
    ]


def _nsg_reference(ctx: EmulatorContext, nsg: Any, key: str) -> dict[str, str]:
    nsg_ref = nsg.get("id") if isinstance(nsg, dict) else None
    found = ctx.state.get(NSGS, nsg_ref) if isinstance(nsg_ref, str) else None
    if found is None:
        raise AzureError(
            400,
            "InvalidResourceReference",
            f"Resource {nsg_ref} referenced by resource {key} was not found. Please make sure that "
            "the referenced resource exists, and that both resources are in the same region.",
            target="properties.networkSecurityGroup.id",
        )
    return {"id": found["id"]}


def _boolean(value: Any, target: str, key: str) -> bool:
    if not isinstance(value, bool):
        raise AzureError(
            400, "InvalidRequestFormat", f"Subnet {key}: {target} must be true or false.", target=target
        )
    return value
