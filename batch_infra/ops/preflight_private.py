"""Preflight reads of the private-environment types (endpoints, private DNS, diagnostics, locks, workspace).

No typed SDK for them is a dependency, so each is read with the generic resources client at the api-version
azure-native uses; `as_dict()` then holds the REST body (camelCase under `properties`). A scope or a
resource id in the mock plan carries the mock subscription: it is moved onto the target's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from batch_infra.ops.preflight_arm import COMMON, Prop

NETWORK = ("Microsoft.Network", "2024-05-01")
Getter = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]


def _subscription(sdk: Mapping[str, Any]) -> str:
    return str(sdk["resource"]._config.subscription_id)  # noqa: SLF001 - the client's own target


def _on_target(sdk: Mapping[str, Any], resource_id: str) -> str:
    """The id with the target's subscription (the plan's ids carry the mock runtime's)."""
    parts = resource_id.split("/")
    if len(parts) > 2 and parts[1].lower() == "subscriptions":
        parts[2] = _subscription(sdk)
    return "/".join(parts)


def _group_id(sdk: Mapping[str, Any], inputs: Mapping[str, Any], path: str) -> str:
    return (
        f"/subscriptions/{_subscription(sdk)}/resourceGroups/{inputs['resourceGroupName']}/providers/{path}"
    )


def _get(api: str, resource_id: Callable[[Mapping[str, Any], Mapping[str, Any]], str]) -> Getter:
    return lambda sdk, inputs: sdk["resource"].resources.get_by_id(resource_id(sdk, inputs), api)


PROPERTIES: dict[str, tuple[Prop, ...]] = {
    "azure-native:network:PrivateEndpoint": (*COMMON, Prop("subnet.id", "properties.subnet.id", "id")),
    "azure-native:network:PrivateDnsZoneGroup": (),
    "azure-native:privatedns:PrivateZone": (Prop("tags", "tags", "tags"),),
    "azure-native:privatedns:VirtualNetworkLink": (
        Prop("registrationEnabled", "properties.registrationEnabled", "value"),
        Prop("virtualNetwork.id", "properties.virtualNetwork.id", "id"),
    ),
    "azure-native:monitor:DiagnosticSetting": (Prop("workspaceId", "properties.workspaceId", "id"),),
    "azure-native:authorization:ManagementLockByScope": (Prop("level", "properties.level"),),
    "azure-native:operationalinsights:Workspace": (
        *COMMON,
        Prop("retentionInDays", "properties.retentionInDays", "value"),
        Prop("sku.name", "properties.sku.name"),
    ),
}

GETTERS: dict[str, Getter] = {
    "azure-native:network:PrivateEndpoint": _get(
        "2024-05-01",
        lambda c, i: _group_id(c, i, f"Microsoft.Network/privateEndpoints/{i['privateEndpointName']}"),
    ),
    "azure-native:network:PrivateDnsZoneGroup": _get(
        "2024-05-01",
        lambda c, i: _group_id(
            c,
            i,
            f"Microsoft.Network/privateEndpoints/{i['privateEndpointName']}/privateDnsZoneGroups/"
            f"{i['privateDnsZoneGroupName']}",
        ),
    ),
    "azure-native:privatedns:PrivateZone": _get(
        "2024-06-01",
        lambda c, i: _group_id(c, i, f"Microsoft.Network/privateDnsZones/{i['privateZoneName']}"),
    ),
    "azure-native:privatedns:VirtualNetworkLink": _get(
        "2024-06-01",
        lambda c, i: _group_id(
            c,
            i,
            f"Microsoft.Network/privateDnsZones/{i['privateZoneName']}/virtualNetworkLinks/"
            f"{i['virtualNetworkLinkName']}",
        ),
    ),
    "azure-native:monitor:DiagnosticSetting": _get(
        "2021-05-01-preview",
        lambda c, i: _on_target(
            c, f"{i['resourceUri']}/providers/Microsoft.Insights/diagnosticSettings/{i['name']}"
        ),
    ),
    "azure-native:authorization:ManagementLockByScope": _get(
        "2020-05-01",
        lambda c, i: _on_target(c, f"{i['scope']}/providers/Microsoft.Authorization/locks/{i['lockName']}"),
    ),
    "azure-native:operationalinsights:Workspace": _get(
        "2023-09-01",
        lambda c, i: _group_id(c, i, f"Microsoft.OperationalInsights/workspaces/{i['workspaceName']}"),
    ),
}
