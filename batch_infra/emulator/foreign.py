"""Resources of types the emulator does not serve (a Logic Apps workflow, a Cosmos DB account), seeded
through the admin API so that a lock, role assignment or diagnostic setting naming one finds it exists."""

from __future__ import annotations

import re
from typing import Any

from batch_infra.emulator import arm
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError

COLLECTION = "foreign_resources"  # keyed by lower-cased ARM id, so deleting the group deletes them
_ID = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<group>[^/]+)"
    r"/providers/(?P<namespace>[^/]+)/(?P<type>[^/]+)/(?P<name>[^/]+)$",
    re.IGNORECASE,
)


def seed(ctx: EmulatorContext, body: Any) -> dict[str, Any]:
    """Store `{"id": ARM id, "location"?: region}` as a top-level resource of its own type."""
    resource_id = body.get("id") if isinstance(body, dict) else None
    found = _ID.match(resource_id) if isinstance(resource_id, str) else None
    if found is None or found["sub"].lower() != ctx.subscription_id.lower():
        raise AzureError(
            400,
            "InvalidRequestContent",
            f'Send {{"id": "/subscriptions/{ctx.subscription_id}/resourceGroups/<group>/providers/'
            f"<Namespace>/<type>/<name>\"}}: a top-level resource id in the emulator's subscription "
            f"(got {resource_id!r}).",
            target="id",
        )
    group_id = arm.resource_group_id(ctx.subscription_id, found["group"])
    if ctx.state.get(arm.RESOURCE_GROUPS, group_id) is None:
        raise AzureError(
            404,
            "ResourceGroupNotFound",
            f"Resource group '{found['group']}' could not be found.",
            target="id",
        )
    doc = {
        "id": resource_id,
        "name": found["name"],
        "type": f"{found['namespace']}/{found['type']}",
        "location": arm.normalize_location(body.get("location", "westeurope")),
    }
    ctx.state.put(COLLECTION, resource_id, doc)
    return doc
