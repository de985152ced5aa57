"""Pool requests Azure refuses beyond the schema, each with Microsoft's words (sources in ../ERRORS.md):
a subnet that does not exist, an autoscale evaluation interval outside 5 minutes..168 hours, and a change
that needs an empty pool while the pool is still resizing."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from batch_infra.emulator.services.batch_mgmt.models import autoscale_bridge, common
from batch_infra.emulator.services.batch_mgmt.models import pool_validation as validation

if TYPE_CHECKING:
    from batch_infra.emulator.context import EmulatorContext

VNETS, SUBNETS = "virtual_networks", "subnets"  # Microsoft.Network's state collections (lower-cased ARM ids)
SUBNET_PATH = "properties.networkConfiguration.subnetId"
INTERVAL_PATH = "properties.scaleSettings.autoScale.evaluationInterval"
MIN_INTERVAL, MAX_INTERVAL = 5 * 60, 168 * 3600
_SUBNET_ID = re.compile(
    r"^(?P<vnet>/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/virtualNetworks/[^/]+)"
    r"/subnets/(?P<subnet>[^/]+)$",
    re.IGNORECASE,
)
# Microsoft's texts: the Batch .NET SDK's pool-in-VNet test (Reason of InvalidPropertyValue) and the
# "Troubleshoot Azure-SSIS IR" doc, which lists both wordings under InvalidPropertyValue.
NO_VNET = "Either the specified VNet does not exist, or the Batch service does not have access to it"
NO_SUBNET = "The specified subnet {name} does not exist."


def check_subnet(ctx: EmulatorContext, props: dict[str, Any]) -> None:
    """networkConfiguration.subnetId must name a subnet of an existing virtual network."""
    subnet_id = (props.get("networkConfiguration") or {}).get("subnetId")
    if subnet_id is None:
        return
    found = _SUBNET_ID.match(subnet_id) if isinstance(subnet_id, str) else None
    if found is None:
        raise _invalid(
            SUBNET_PATH,
            f"'{subnet_id}' is not a subnet id: use /subscriptions/<id>/resourceGroups/"
            "<group>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>",
            subnet_id,
        )
    if ctx.state.get(VNETS, found["vnet"]) is None:
        raise _invalid(SUBNET_PATH, NO_VNET, subnet_id)
    if ctx.state.get(SUBNETS, subnet_id) is None:
        raise _invalid(SUBNET_PATH, NO_SUBNET.format(name=found["subnet"]), subnet_id)


def check_evaluation_interval(props: dict[str, Any]) -> None:
    """AutoScaleSettings.evaluationInterval: "The minimum and maximum value are 5 minutes and 168 hours
    respectively. If you specify a value less than 5 minutes or greater than 168 hours, the Batch service
    rejects the request with an invalid property value error" (the data plane's description; the management
    plane's AutoScaleSettings is the same setting)."""
    interval = ((props.get("scaleSettings") or {}).get("autoScale") or {}).get("evaluationInterval")
    if interval is None:
        return
    seconds = autoscale_bridge.interval_seconds(interval)
    if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
        raise _invalid(
            INTERVAL_PATH,
            f"The evaluation interval '{interval}' is outside 5 minutes (PT5M) to 168 hours (PT168H).",
            interval,
        )


def require_steady_for_empty_pool_changes(
    current: dict[str, Any], changes: dict[str, Any], pool: str
) -> None:
    """A property that "can only be updated when the pool has no active nodes in it or where the total number
    of compute nodes in the pool is zero" (batch-pool-update-properties) cannot change while a resize is
    still adding or removing nodes: the pool's node count is not settled at zero until it is Steady."""
    state = current.get("allocationState", "Steady")
    if state == "Steady":
        return
    for name in sorted(changes):
        if name in validation.UPDATABLE_WITH_NODES or name in validation.READ_ONLY:
            continue
        if changes[name] != current.get(name):
            raise common.property_error(
                400,
                "PropertyCannotBeUpdated",
                validation.CANNOT_UPDATE,
                path=f"properties.{name}",
                reason=f"{validation.CANNOT_UPDATE} '{name}' of pool '{pool}' can change only while the pool "
                f"has 0 nodes, and it is {state}: stop the resize (POST .../stopResize) or wait until it is "
                "Steady with 0 nodes, then send the change again.",
            )


def _invalid(path: str, reason: str, value: Any) -> Any:
    return common.property_error(
        400, "InvalidPropertyValue", validation.INVALID_VALUE, path=path, reason=reason, value=value
    )
