"""Private DNS zones (global) and their virtual network links (Microsoft.Network/privateDnsZones 2024-06-01),
and the question the data plane asks of them: does a caller in this VNet resolve the target privately?"""

from __future__ import annotations

import uuid
from typing import Any

from batch_infra.emulator import arm
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.services.network.models import VNETS
from batch_infra.emulator.services.private_link.models import (
    LINK_TYPE,
    LINKS,
    RECORDS,
    ZONE_TYPE,
    ZONES,
    bad_reference,
    not_found,
    resource_id,
    vnet_exists,
)


# -- private DNS zones and VNet links --------------------------------------------------------------
def _global(body: dict[str, Any], what: str) -> None:
    if str(body.get("location", "")).lower() != "global":
        raise AzureError(
            400,
            "InvalidResourceLocation",
            f"{what} is a global resource: its location must be 'global', not {body.get('location')!r}.",
            target="location",
        )


def put_zone(
    ctx: EmulatorContext, subscription: str, group: str, name: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    _global(body, f"Private DNS zone {name}")
    key = resource_id(subscription, group, ZONE_TYPE, name.lower())
    existing = ctx.state.get(ZONES, key)
    doc = {
        "id": key,
        "name": name.lower(),
        "type": ZONE_TYPE,
        "location": "global",
        "etag": str(uuid.uuid4()),
        "properties": {
            # The limits Microsoft's PrivateZonePut example (2024-06-01) answers with.
            "maxNumberOfRecordSets": 5000,
            "numberOfRecordSets": 1,
            "maxNumberOfVirtualNetworkLinks": 100,
            "numberOfVirtualNetworkLinks": 0,
            "maxNumberOfVirtualNetworkLinksWithRegistration": 50,
            "numberOfVirtualNetworkLinksWithRegistration": 0,
            "provisioningState": "Succeeded",
        },
    }
    if tags := arm.check_tags(body):
        doc["tags"] = tags
    ctx.state.put(ZONES, key, doc)
    return doc, existing is None


def zone_view(ctx: EmulatorContext, doc: dict[str, Any]) -> dict[str, Any]:
    """The zone with its counters computed from what is in it now (SOA + A records, links)."""
    doc["properties"]["numberOfRecordSets"] = 1 + len(ctx.state.items(RECORDS, doc["id"] + "/A/"))
    doc["properties"]["numberOfVirtualNetworkLinks"] = len(ctx.state.items(LINKS, doc["id"] + "/"))
    return doc


def check_zone_deletable(ctx: EmulatorContext, key: str) -> None:
    if ctx.state.items(LINKS, key + "/"):
        raise AzureError(
            409,
            "CannotDeleteResource",
            "Can not delete resource before nested resources are deleted: the private DNS zone still has "
            "virtual network links; delete them first.",
        )


def put_link(
    ctx: EmulatorContext, zone_key: str, name: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    zone = ctx.state.get(ZONES, zone_key)
    if zone is None:
        raise not_found(ZONE_TYPE, zone_key.rsplit("/", 1)[1], zone_key.split("/")[4])
    _global(body, f"Virtual network link {name}")
    key = f"{zone['id']}/virtualNetworkLinks/{name}"
    props = arm.properties(body, required=True)
    vnet_ref = (
        (props.get("virtualNetwork") or {}).get("id")
        if isinstance(props.get("virtualNetwork"), dict)
        else None
    )
    if not isinstance(vnet_ref, str) or not vnet_exists(ctx, vnet_ref):
        raise bad_reference(vnet_ref, key, "properties.virtualNetwork.id")
    for other_key, other in ctx.state.items(LINKS, zone["id"] + "/"):
        if (
            other_key != key.lower()
            and other["properties"]["virtualNetwork"]["id"].lower() == vnet_ref.lower()
        ):
            raise AzureError(
                409,
                "Conflict",
                f"A virtual network cannot be linked to the same private DNS zone more than once: "
                f"{vnet_ref} is already linked by {other['name']}.",
            )
    existing = ctx.state.get(LINKS, key)
    doc = {
        "id": key,
        "name": name,
        "type": LINK_TYPE,
        "location": "global",
        "etag": str(uuid.uuid4()),
        "properties": {
            "virtualNetwork": {"id": ctx.state.get(VNETS, vnet_ref)["id"]},  # type: ignore[index]
            "registrationEnabled": bool(props.get("registrationEnabled", False)),
            **({"resolutionPolicy": props["resolutionPolicy"]} if props.get("resolutionPolicy") else {}),
            "virtualNetworkLinkState": "Completed",
            "provisioningState": "Succeeded",
        },
    }
    if tags := arm.check_tags(body):
        doc["tags"] = tags
    ctx.state.put(LINKS, key, doc)
    return doc, existing is None


def resolves_privately(ctx: EmulatorContext, vnet_id: str, target_id: str, group: str) -> bool:
    """Does a caller in `vnet_id` resolve the target's host name to a private endpoint of `group`?

    True when a zone linked to that VNet holds an A record (from a zone group) for an endpoint of the
    target with that groupId: without the record or the link, the name resolves to the public address.
    """
    for _k, record in ctx.state.items(RECORDS):
        if record["target"].lower() != target_id.lower() or record["group"] != group:
            continue
        for _l, link in ctx.state.items(LINKS, record["zone"] + "/"):
            if link["properties"]["virtualNetwork"]["id"].lower() == vnet_id.lower():
                return True
    return False
