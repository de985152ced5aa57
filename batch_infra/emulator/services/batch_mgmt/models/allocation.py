"""Pool allocation: Resizing (or Stopping) -> Steady computed lazily from timestamps; core quotas cap nodes.

No background threads: a resize records when it is due and how many nodes it will get (decided against the
account's quotas when it starts); every read "settles" pools whose due time has passed on ctx.now(), so
tests advance the clock instead of sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from batch_infra.emulator import catalog
from batch_infra.emulator.services.batch_mgmt.models import common

# Seconds a stopped resize stays Stopping before the pool is Steady (Azure: until in-flight nodes settle).
STOP_DELAY_SETTING = "stop_resize_delay_seconds"
STOP_DELAY_DEFAULT = 0.2


@dataclass(frozen=True)
class Usage:
    """Cores the account's OTHER pools hold or are allocating, per dedicated family and in total."""

    dedicated_total: int
    dedicated_by_family: dict[str, int]
    low_priority_total: int


def usage(pools: list[dict[str, Any]], location: str) -> Usage:
    """Cores held by `pools` (stored pool documents), counting a resizing pool at its planned node counts.
    Nodes are summed per VM size first: a pool PUT runs this over every pool of the account."""
    nodes: dict[str, tuple[int, int]] = {}
    for doc in pools:
        dedicated, low_priority = planned_counts(doc)
        if dedicated or low_priority:
            size = doc["resource"]["properties"]["vmSize"].lower()
            held = nodes.get(size, (0, 0))
            nodes[size] = (held[0] + dedicated, held[1] + low_priority)
    total, low, by_family = 0, 0, {}
    for size, (dedicated, low_priority) in nodes.items():
        sku = catalog.find_vm_sku(location, size)
        if sku is None:
            continue
        total += dedicated * sku.vcpus
        low += low_priority * sku.vcpus
        by_family[sku.family.lower()] = by_family.get(sku.family.lower(), 0) + dedicated * sku.vcpus
    return Usage(total, by_family, low)


def planned_counts(doc: dict[str, Any]) -> tuple[int, int]:
    alloc = doc.get("alloc")
    if alloc and doc["resource"]["properties"]["allocationState"] == "Resizing":
        return alloc["dedicated"], alloc["lowPriority"]
    props = doc["resource"]["properties"]
    return props.get("currentDedicatedNodes", 0), props.get("currentLowPriorityNodes", 0)


def cap_to_quota(
    account_props: dict[str, Any], sku: catalog.VmSku, target_dedicated: int, target_low: int, used: Usage
) -> tuple[int, int, list[dict[str, Any]]]:
    """Node counts the account's core quotas allow, and Azure's resize errors for any shortfall."""
    if "dedicatedCoreQuota" not in account_props:  # UserSubscription mode: subscription quotas, not emulated
        return target_dedicated, target_low, []
    errors = []
    free = account_props["dedicatedCoreQuota"] - used.dedicated_total
    quota_name = "dedicatedCoreQuota"
    if account_props.get("dedicatedCoreQuotaPerVMFamilyEnforced"):
        family_quota = _family_quota(account_props, sku.family)
        family_free = family_quota - used.dedicated_by_family.get(sku.family.lower(), 0)
        if family_free < free:
            free, quota_name = family_free, f"dedicatedCoreQuotaPerVMFamily[{sku.family}]"
    dedicated = min(target_dedicated, max(free, 0) // sku.vcpus)
    if dedicated < target_dedicated:
        errors.append(_quota_error("AccountCoreQuotaReached", quota_name, sku, target_dedicated, free))
    low_free = account_props.get("lowPriorityCoreQuota", 0) - used.low_priority_total
    low = min(target_low, max(low_free, 0) // sku.vcpus)
    if low < target_low:
        errors.append(
            _quota_error(
                "AccountLowPriorityCoreQuotaReached", "lowPriorityCoreQuota", sku, target_low, low_free
            )
        )
    return dedicated, low, errors


def start_resize(
    doc: dict[str, Any],
    *,
    now: datetime,
    delay_seconds: float,
    target_dedicated: int,
    target_low: int,
    planned: tuple[int, int],
    errors: list[dict[str, Any]],
    resize_timeout: str = "PT15M",
    deallocation: str | None = None,
) -> None:
    """Put the pool in Resizing toward the targets; it becomes Steady with `planned` nodes after the delay."""
    props = doc["resource"]["properties"]
    props["allocationState"] = "Resizing"
    props["allocationStateTransitionTime"] = common.iso(now)
    status: dict[str, Any] = {
        "targetDedicatedNodes": target_dedicated,
        "targetLowPriorityNodes": target_low,
        "resizeTimeout": resize_timeout,
        "startTime": common.iso(now),
    }
    # Azure reports the option the resize runs with, "Requeue" unless the scale settings name another
    # (every PoolCreate_*/PoolGet_* answer in Microsoft's 2025-06-01 examples).
    status["nodeDeallocationOption"] = deallocation or "Requeue"
    props["resizeOperationStatus"] = status
    doc["alloc"] = {
        "due": common.iso(now + timedelta(seconds=delay_seconds)),
        "dedicated": planned[0],
        "lowPriority": planned[1],
        "errors": errors,
    }


def settle(doc: dict[str, Any], now: datetime) -> bool:
    """Finish a due resize or stop (Steady, planned node counts, resize errors); True if the doc changed."""
    props = doc["resource"]["properties"]
    alloc = doc.get("alloc")
    if props.get("allocationState") not in ("Resizing", "Stopping") or not alloc:
        return False
    due = datetime.fromisoformat(alloc["due"].replace("Z", "+00:00"))
    if now < due:
        return False
    props["allocationState"] = "Steady"
    props["allocationStateTransitionTime"] = alloc["due"]
    props["currentDedicatedNodes"] = alloc["dedicated"]
    props["currentLowPriorityNodes"] = alloc["lowPriority"]
    if alloc["errors"]:
        props["resizeOperationStatus"]["errors"] = alloc["errors"]
    doc.pop("alloc")
    return True


def stop(doc: dict[str, Any], now: datetime, delay_seconds: float) -> None:
    """stopResize: Resizing -> Stopping, and Steady with the nodes the pool already had after the delay.

    As in Azure, where the pool reports Stopping until the nodes being allocated or removed have settled.
    A pool that is not Resizing is left as it is.
    """
    props = doc["resource"]["properties"]
    if props.get("allocationState") != "Resizing":
        return
    props["allocationState"] = "Stopping"
    props["allocationStateTransitionTime"] = common.iso(now)
    doc["alloc"] = {
        "due": common.iso(now + timedelta(seconds=delay_seconds)),
        "dedicated": props.get("currentDedicatedNodes", 0),
        "lowPriority": props.get("currentLowPriorityNodes", 0),
        "errors": [],
    }
    settle(doc, now)  # a zero delay: Steady at once


def _family_quota(account_props: dict[str, Any], family: str) -> int:
    for entry in account_props.get("dedicatedCoreQuotaPerVMFamily") or []:
        if entry["name"].lower() == family.lower():
            return entry["coreQuota"]
    return 0  # a family the account has no entry for has no cores, as in Azure


def _quota_error(code: str, quota: str, sku: catalog.VmSku, target: int, free_cores: int) -> dict[str, Any]:
    kind = "low-priority" if "LowPriority" in code else "dedicated"
    return {
        "code": code,
        "message": (
            f"The specified account has reached its {kind} core quota ({quota}): {target} {sku.name} nodes "
            f"need {target * sku.vcpus} cores but {max(free_cores, 0)} are free. Request a quota increase "
            "or lower the target node count."
        ),
    }
