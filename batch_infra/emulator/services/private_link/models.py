"""Private endpoints, their DNS zone groups, private DNS zones and VNet links, with Azure's reference rules.

Shapes follow Microsoft.Network 2024-05-01 (privateEndpoint.json) and Microsoft.Network/privateDnsZones
2024-06-01 (privatedns.json); specs/private-link-extracts.json keeps the definitions the tests check against.
"""

from __future__ import annotations

import ipaddress
import uuid
from typing import Any

from batch_infra.emulator import arm
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.services.network import subnets
from batch_infra.emulator.services.network.models import SUBNETS, VNETS

ENDPOINTS, ZONE_GROUPS = "private_endpoints", "private_dns_zone_groups"
ZONES, LINKS, RECORDS = "private_dns_zones", "virtual_network_links", "private_dns_records"
ENDPOINT_TYPE = "Microsoft.Network/privateEndpoints"
ZONE_GROUP_TYPE = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups"
ZONE_TYPE = "Microsoft.Network/privateDnsZones"
LINK_TYPE = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
# Sub-resources (groupIds) each target type offers ("What is a private endpoint?", Private Link resources).
GROUP_IDS = {
    "microsoft.batch/batchaccounts": ("batchAccount", "nodeManagement"),
    "microsoft.storage/storageaccounts": ("blob", "blob_secondary", "file", "queue", "table", "web", "dfs"),
}
# The zone each group's records belong in ("Azure Private Endpoint private DNS zone values").
ZONE_OF_GROUP = {
    "batchAccount": "privatelink.batch.azure.com",
    "nodeManagement": "privatelink.batch.azure.com",
    "blob": "privatelink.blob.core.windows.net",
}


def etag() -> str:
    return f'W/"{uuid.uuid4()}"'


def not_found(kind: str, name: str, group: str) -> AzureError:
    return AzureError(
        404, "ResourceNotFound", f"The Resource '{kind}/{name}' under resource group '{group}' was not found."
    )


def bad_reference(ref: Any, owner: str, target: str) -> AzureError:
    return AzureError(
        400,
        "InvalidResourceReference",
        f"Resource {ref} referenced by resource {owner} was not found. Please make sure that the referenced "
        "resource exists, and that both resources are in the same region.",
        target=target,
    )


def resource_id(subscription: str, group: str, kind: str, name: str) -> str:
    return f"{arm.resource_group_id(subscription, group)}/providers/{kind}/{name}"


def get(ctx: EmulatorContext, collection: str, key: str, kind: str, name: str, group: str) -> dict[str, Any]:
    doc = ctx.state.get(collection, key)
    if doc is None:
        raise not_found(kind, name, group)
    return doc


# -- private endpoints -----------------------------------------------------------------------------
def put_endpoint(
    ctx: EmulatorContext, subscription: str, group: str, name: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    key = resource_id(subscription, group, ENDPOINT_TYPE, name)
    location = arm.normalize_location(body.get("location"))
    props = arm.properties(body, required=True)
    subnet_ref = (props.get("subnet") or {}).get("id") if isinstance(props.get("subnet"), dict) else None
    subnet = ctx.state.get(SUBNETS, subnet_ref) if isinstance(subnet_ref, str) else None
    if subnet is None:
        raise bad_reference(subnet_ref, key, "properties.subnet.id")
    connections = props.get("privateLinkServiceConnections")
    if not isinstance(connections, list) or len(connections) != 1:
        raise AzureError(
            400,
            "InvalidRequestFormat",
            "A private endpoint needs exactly one entry in properties.privateLinkServiceConnections.",
            target="properties.privateLinkServiceConnections",
        )
    connection = _connection(ctx, key, connections[0])
    existing = ctx.state.get(ENDPOINTS, key)
    address = (existing or {}).get("_address") or _next_address(ctx, subnet)
    doc = {
        "id": key,
        "name": name,
        "type": ENDPOINT_TYPE,
        "location": location,
        "etag": etag(),
        "properties": {
            "provisioningState": "Updating",
            "resourceGuid": (existing or {}).get("properties", {}).get("resourceGuid", str(uuid.uuid4())),
            "subnet": {"id": subnet["id"]},
            "networkInterfaces": [
                {"id": resource_id(subscription, group, "Microsoft.Network/networkInterfaces", f"{name}.nic")}
            ],
            "privateLinkServiceConnections": [connection],
            "manualPrivateLinkServiceConnections": [],
            "customDnsConfigs": [],
            "ipConfigurations": props.get("ipConfigurations") or [],
            "applicationSecurityGroups": props.get("applicationSecurityGroups") or [],
            **(
                {"customNetworkInterfaceName": props["customNetworkInterfaceName"]}
                if props.get("customNetworkInterfaceName")
                else {}
            ),
        },
        "_address": address,
    }
    if tags := arm.check_tags(body):
        doc["tags"] = tags
    ctx.state.put(ENDPOINTS, key, doc)
    return doc, existing is None


def _connection(ctx: EmulatorContext, endpoint_key: str, spec: Any) -> dict[str, Any]:
    """The one service connection: its target must exist and offer the requested groupId."""
    props = spec.get("properties") if isinstance(spec, dict) else None
    if not isinstance(props, dict):
        raise AzureError(
            400,
            "InvalidRequestFormat",
            "privateLinkServiceConnections[0] needs properties.",
            target="properties.privateLinkServiceConnections[0].properties",
        )
    target_id = props.get("privateLinkServiceId")
    target_type = _type_of(target_id)
    if target_type not in GROUP_IDS or not target_exists(ctx, target_id):
        raise bad_reference(
            target_id,
            endpoint_key,
            "properties.privateLinkServiceConnections[0].properties.privateLinkServiceId",
        )
    groups = props.get("groupIds")
    offered = GROUP_IDS[target_type]
    if not isinstance(groups, list) or len(groups) != 1 or groups[0] not in offered:
        raise AzureError(
            400,
            "PrivateEndpointBadRequest",
            f"Call to {target_type} failed: groupIds must name exactly one of {', '.join(offered)}; "
            f"got {groups!r}.",
            target="properties.privateLinkServiceConnections[0].properties.groupIds",
        )
    return {
        "id": f"{endpoint_key}/privateLinkServiceConnections/{spec.get('name')}",
        "name": spec.get("name"),
        "type": "Microsoft.Network/privateEndpoints/privateLinkServiceConnections",
        "etag": etag(),
        "properties": {
            "provisioningState": "Succeeded",
            "privateLinkServiceId": target_id,
            "groupIds": list(groups),
            **({"requestMessage": props["requestMessage"]} if props.get("requestMessage") else {}),
            # Same-tenant endpoints by a caller with rights on the target are approved at once.
            "privateLinkServiceConnectionState": {
                "status": "Approved",
                "description": "Auto-approved",
                "actionsRequired": "None",
            },
        },
    }


def _type_of(resource: Any) -> str:
    parts = resource.split("/") if isinstance(resource, str) else []
    return f"{parts[6]}/{parts[7]}".lower() if len(parts) >= 9 and parts[5].lower() == "providers" else ""


def target_exists(ctx: EmulatorContext, target_id: str) -> bool:
    from batch_infra.emulator.services.batch_mgmt.models.common import ACCOUNTS

    collection = ACCOUNTS if _type_of(target_id) == "microsoft.batch/batchaccounts" else "storage_accounts"
    return ctx.state.get(collection, target_id) is not None


def _next_address(ctx: EmulatorContext, subnet: dict[str, Any]) -> str:
    """The next free address of the subnet (Azure keeps the first four and the last one)."""
    used = {doc.get("_address") for _k, doc in ctx.state.items(ENDPOINTS)}
    network = ipaddress.ip_network(subnets.prefixes(subnet)[0])
    for host in list(network.hosts())[3:]:
        if str(host) not in used:
            return str(host)
    raise AzureError(
        400, "SubnetIsFull", f"Subnet {subnet['id']} has no free address left for the private endpoint."
    )


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document as Azure returns it (batch-infra's bookkeeping keys start with '_')."""
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def endpoints_to(ctx: EmulatorContext, target_id: str) -> list[dict[str, Any]]:
    """Every private endpoint connected to `target_id` (any groupId)."""
    return [
        doc
        for _k, doc in ctx.state.items(ENDPOINTS)
        if doc["properties"]["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceId"].lower()
        == target_id.lower()
    ]


def group_of(endpoint: dict[str, Any]) -> str:
    return endpoint["properties"]["privateLinkServiceConnections"][0]["properties"]["groupIds"][0]


def vnet_of(endpoint: dict[str, Any]) -> str:
    return endpoint["properties"]["subnet"]["id"].lower().rsplit("/subnets/", 1)[0]


def delete_endpoint(ctx: EmulatorContext, key: str) -> None:
    with ctx.state.transaction() as state:
        for group_key, _ in state.items(ZONE_GROUPS, key + "/"):
            delete_zone_group(ctx, group_key)
        state.delete(ENDPOINTS, key)


def endpoints_in_subnet(ctx: EmulatorContext, subnet_id: str) -> list[str]:
    return [
        doc["id"]
        for _k, doc in ctx.state.items(ENDPOINTS)
        if vnet_of(doc) + "/subnets/" + doc["properties"]["subnet"]["id"].rsplit("/", 1)[1].lower()
        == subnet_id.lower()
    ]


def vnet_exists(ctx: EmulatorContext, vnet_id: str) -> bool:
    return ctx.state.get(VNETS, vnet_id) is not None


# -- DNS zone groups -------------------------------------------------------------------------------
def put_zone_group(
    ctx: EmulatorContext, endpoint_key: str, name: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    endpoint = ctx.state.get(ENDPOINTS, endpoint_key)
    if endpoint is None:
        raise not_found(ENDPOINT_TYPE, endpoint_key.rsplit("/", 1)[1], endpoint_key.split("/")[4])
    key = f"{endpoint['id']}/privateDnsZoneGroups/{name}"
    props = arm.properties(body, required=True)
    configs = props.get("privateDnsZoneConfigs")
    if not isinstance(configs, list) or not configs:
        raise AzureError(
            400,
            "InvalidRequestFormat",
            "properties.privateDnsZoneConfigs needs at least one entry.",
            target="properties.privateDnsZoneConfigs",
        )
    existing = ctx.state.get(ZONE_GROUPS, key)
    with ctx.state.transaction():
        if existing is not None:
            _drop_records(ctx, key)
        built = [_zone_config(ctx, endpoint, key, index, c) for index, c in enumerate(configs)]
        doc = {
            "id": key,
            "name": name,
            "type": ZONE_GROUP_TYPE,
            "etag": etag(),
            "properties": {"provisioningState": "Updating", "privateDnsZoneConfigs": built},
        }
        ctx.state.put(ZONE_GROUPS, key, doc)
    return doc, existing is None


def _zone_config(
    ctx: EmulatorContext, endpoint: dict[str, Any], group_key: str, index: int, config: Any
) -> dict[str, Any]:
    """One zone of the group: the zone must exist; Azure writes the endpoint's A record into it."""
    target = f"properties.privateDnsZoneConfigs[{index}].properties.privateDnsZoneId"
    zone_id = (
        ((config or {}).get("properties") or {}).get("privateDnsZoneId") if isinstance(config, dict) else None
    )
    zone = ctx.state.get(ZONES, zone_id) if isinstance(zone_id, str) else None
    if zone is None:
        raise bad_reference(zone_id, group_key, target)
    target_id = endpoint["properties"]["privateLinkServiceConnections"][0]["properties"][
        "privateLinkServiceId"
    ]
    host = record_name(target_id, group_of(endpoint), endpoint["location"])
    fqdn = f"{host}.{zone['name']}"
    ctx.state.put(
        RECORDS,
        f"{zone['id']}/A/{host}",
        {
            "zone": zone["id"],
            "name": host,
            "fqdn": fqdn,
            "address": endpoint["_address"],
            "owner": group_key,
            "endpoint": endpoint["id"],
            "target": target_id,
            "group": group_of(endpoint),
        },
    )
    # Shaped as Microsoft's PrivateEndpointDnsZoneGroupCreate example (2024-05-01) answers.
    answer: dict[str, Any] = {
        "properties": {
            "privateDnsZoneId": zone["id"],
            "recordSets": [
                {
                    "recordType": "A",
                    "recordSetName": host,
                    "fqdn": fqdn,
                    "ipAddresses": [endpoint["_address"]],
                }
            ],
        }
    }
    if isinstance(config.get("name"), str):
        answer["name"] = config["name"]
    return answer


def record_name(target_id: str, group: str, location: str) -> str:
    """The A record's name in the zone: the label Azure's public host name has before the zone's suffix
    (<account>.<region>.batch.azure.com, <guid>.<region>.service.batch.azure.com, <name>.blob...)."""
    name = target_id.rsplit("/", 1)[1].lower()
    if group == "batchAccount":
        return f"{name}.{location}"
    if group == "nodeManagement":
        return f"{uuid.uuid5(uuid.NAMESPACE_URL, target_id.lower())}.{location}.service"
    return name


def _drop_records(ctx: EmulatorContext, group_key: str) -> None:
    for record_key, record in ctx.state.items(RECORDS):
        if record["owner"].lower() == group_key.lower():
            ctx.state.delete(RECORDS, record_key)


def delete_zone_group(ctx: EmulatorContext, key: str) -> None:
    with ctx.state.transaction():
        _drop_records(ctx, key)
        ctx.state.delete(ZONE_GROUPS, key)
