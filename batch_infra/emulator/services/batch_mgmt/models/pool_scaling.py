"""Pool scaling: resizes toward the scale settings (capped by core quotas) and the autoscale timer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from batch_infra.emulator import catalog
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.services.batch_mgmt.models import allocation, autoscale_bridge, common
from batch_infra.emulator.services.batch_mgmt.models.common import POOLS

if TYPE_CHECKING:
    from batch_infra.emulator.context import EmulatorContext

# Seconds between a formula change (PATCH) and the evaluation and resize it causes: asynchronous in Azure.
FORMULA_RESIZE_DELAY_SETTING = "autoscale_resize_delay_seconds"


def formula_changed(ctx: EmulatorContext, account: dict[str, Any], doc: dict[str, Any]) -> None:
    """A PATCH changed an autoscale pool's settings: evaluate now, or after the configured delay."""
    delay = float(ctx.settings.get(FORMULA_RESIZE_DELAY_SETTING, 0.0))
    if delay <= 0:
        sku = vm_sku(account, doc["resource"]["properties"]["vmSize"])
        resize_from_scale_settings(ctx, account, doc, sku)
        return
    doc["formulaDue"] = common.iso(ctx.now() + timedelta(seconds=delay))


def run_due_formula_change(ctx: EmulatorContext, account: dict[str, Any], doc: dict[str, Any]) -> bool:
    """Start the resize a formula change caused once its delay has passed; True if it ran."""
    due = doc.get("formulaDue")
    if not due or ctx.now() < common.parse_iso(due):
        return False
    doc.pop("formulaDue")
    props = doc["resource"]["properties"]
    if "autoScale" in (props.get("scaleSettings") or {}):
        sku = vm_sku(account, props["vmSize"])
        resize_from_scale_settings(ctx, account, doc, sku, now=common.parse_iso(due))
        allocation.settle(doc, ctx.now())
    return True


def run_due_autoscale(ctx: EmulatorContext, account: dict[str, Any], doc: dict[str, Any]) -> bool:
    """Replay the autoscale evaluations due since the last run (no timer thread); True if any ran."""
    props = doc["resource"]["properties"]
    auto = (props.get("scaleSettings") or {}).get("autoScale")
    run = props.get("autoScaleRun")
    if not auto or not run:
        return False
    ticks = autoscale_bridge.due_evaluations(
        common.parse_iso(run["evaluationTime"]), auto.get("evaluationInterval"), ctx.now()
    )
    for tick in ticks:
        allocation.settle(doc, tick)  # a resize that finished before this tick is what the formula sees
        resize_from_scale_settings(
            ctx, account, doc, vm_sku(account, props["vmSize"]), now=tick, on_timer=True
        )
        allocation.settle(doc, ctx.now())
    return bool(ticks)


def resize_from_scale_settings(
    ctx: EmulatorContext,
    account: dict[str, Any],
    doc: dict[str, Any],
    sku: catalog.VmSku,
    *,
    now: datetime | None = None,
    on_timer: bool = False,
) -> None:
    """Start a resize toward the targets the scale settings give, capped by the account's core quotas.

    An autoscale pool evaluates its formula at `now` against its current state; a run that leaves the
    targets as they are starts no resize, as on Azure's evaluation timer.
    """
    props = doc["resource"]["properties"]
    scale = props["scaleSettings"]
    now = now or ctx.now()
    status = props.get("resizeOperationStatus") or {}
    if "autoScale" in scale:
        run = autoscale_bridge.evaluate(
            scale["autoScale"]["formula"], "properties.scaleSettings.autoScale.formula", now, props
        )
        props["autoScaleRun"] = {"evaluationTime": common.iso(now), "results": run.results}
        if run.error:
            props["autoScaleRun"]["error"] = {"code": run.error["code"], "message": run.error["message"]}
        dedicated = run.dedicated if run.dedicated is not None else status.get("targetDedicatedNodes", 0)
        low = run.low_priority if run.low_priority is not None else status.get("targetLowPriorityNodes", 0)
        timeout, deallocation = "PT15M", None
        if on_timer and (dedicated, low) == (
            status.get("targetDedicatedNodes"),
            status.get("targetLowPriorityNodes"),
        ):
            return
    else:
        props.pop("autoScaleRun", None)
        fixed = scale["fixedScale"]
        dedicated, low = fixed.get("targetDedicatedNodes", 0), fixed.get("targetLowPriorityNodes", 0)
        timeout, deallocation = fixed.get("resizeTimeout", "PT15M"), fixed.get("nodeDeallocationOption")
    others = [
        d
        for d in account_pools(ctx, account)
        if d["resource"]["name"].lower() != doc["resource"]["name"].lower()
    ]
    used = allocation.usage(others, account["location"])
    planned_dedicated, planned_low, errors = allocation.cap_to_quota(
        account["properties"], sku, dedicated, low, used
    )
    current = (props.get("currentDedicatedNodes", 0), props.get("currentLowPriorityNodes", 0))
    if props.get("allocationState") == "Steady" and (dedicated, low) == current and not errors:
        # Nothing to allocate: Azure answers such a pool Steady at once, without a resize (the answers of
        # PoolCreate_SharedImageGallery / _NoPublicIPAddresses, 0 nodes asked: "allocationState": "Steady").
        return
    allocation.start_resize(
        doc,
        now=now,
        delay_seconds=float(ctx.settings.get("allocation_delay_seconds", 1.0)),
        target_dedicated=dedicated,
        target_low=low,
        planned=(planned_dedicated, planned_low),
        errors=errors,
        resize_timeout=timeout,
        deallocation=deallocation,
    )


def account_pools(ctx: EmulatorContext, account: dict[str, Any]) -> list[dict[str, Any]]:
    """The account's stored pool documents, not copies: read them, never change them."""
    return ctx.state.peek(POOLS, common.child_prefix(account["id"]) + "pools/")


def vm_sku(account: dict[str, Any], vm_size: str) -> catalog.VmSku:
    sku = catalog.find_vm_sku(account["location"], vm_size)
    if sku is None:  # the catalog dropped a size an existing pool uses
        raise AzureError(
            409,
            "VmSizeNoLongerOffered",
            f"The pool's VM size '{vm_size}' is no longer offered in '{account['location']}'.",
        )
    return sku
