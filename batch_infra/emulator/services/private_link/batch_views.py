"""A Batch account's privateLinkResources and privateEndpointConnections (Microsoft.Batch 2024-07-01 shapes).

The connections are not stored: they are the private endpoints whose service connection targets the
account, seen from the account's side, so the two views never disagree.
"""

from __future__ import annotations

import uuid
from typing import Any

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.services.private_link import models

ZONE = "privatelink.batch.azure.com"
GROUPS = ("batchAccount", "nodeManagement")


def account(ctx: EmulatorContext, subscription: str, group: str, name: str) -> dict[str, Any]:
    from batch_infra.emulator.services.batch_mgmt.models.common import get_account

    return get_account(ctx, subscription, group, name)["resource"]


def link_resource(account_doc: dict[str, Any], group_id: str) -> dict[str, Any]:
    if group_id not in GROUPS:
        raise AzureError(
            404,
            "PrivateLinkResourceNotFound",
            f"The private link resource '{group_id}' does not exist; Batch offers {', '.join(GROUPS)}.",
        )
    return {
        "id": f"{account_doc['id']}/privateLinkResources/{group_id}",
        "name": group_id,
        "type": "Microsoft.Batch/batchAccounts/privateLinkResources",
        "properties": {"groupId": group_id, "requiredMembers": [group_id], "requiredZoneNames": [ZONE]},
    }


def link_resources(account_doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [link_resource(account_doc, g) for g in GROUPS]


def _connection_name(endpoint: dict[str, Any]) -> str:
    return f"{endpoint['name']}.{uuid.uuid5(uuid.NAMESPACE_URL, endpoint['id'].lower())}"


def _view(account_doc: dict[str, Any], endpoint: dict[str, Any]) -> dict[str, Any]:
    service = endpoint["properties"]["privateLinkServiceConnections"][0]["properties"]
    name = _connection_name(endpoint)
    return {
        "id": f"{account_doc['id']}/privateEndpointConnections/{name}",
        "name": name,
        "type": "Microsoft.Batch/batchAccounts/privateEndpointConnections",
        "etag": endpoint["etag"],
        "properties": {
            "provisioningState": "Succeeded",
            "privateEndpoint": {"id": endpoint["id"]},
            "groupIds": list(service["groupIds"]),
            "privateLinkServiceConnectionState": dict(service["privateLinkServiceConnectionState"]),
        },
    }


def connections(ctx: EmulatorContext, account_doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [_view(account_doc, e) for e in models.endpoints_to(ctx, account_doc["id"])]


def connection(ctx: EmulatorContext, account_doc: dict[str, Any], name: str) -> dict[str, Any]:
    for endpoint in models.endpoints_to(ctx, account_doc["id"]):
        if _connection_name(endpoint).lower() == name.lower():
            return _view(account_doc, endpoint)
    raise AzureError(
        404,
        "PrivateEndpointConnectionNotFound",
        f"The private endpoint connection '{name}' does not exist on Batch account '{account_doc['name']}'.",
    )
