"""Quota arithmetic (pure): a stack's demand for cores, pools, applications and accounts vs Azure's quotas.

The data types live in batch_infra.quota_model and are re-exported here, so `quotas.QuotaRow` etc. stay.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any, NamedTuple

from batch_infra.quota_model import (
    ACCOUNT_TOTAL,
    ACCOUNTS,
    APPLICATIONS,
    APPLICATIONS_PER_ACCOUNT,
    DEDICATED,
    JOBS,
    POOLS,
    SPOT,
    VM_SIZE,
    AccountQuotas,
    PoolDemand,
    QuotaReport,
    QuotaRow,
    RegionAccounts,
    Status,
    VmSize,
)

__all__ = [
    "Status",
    "APPLICATIONS_PER_ACCOUNT",
    "DEDICATED",
    "SPOT",
    "POOLS",
    "APPLICATIONS",
    "ACCOUNTS",
    "JOBS",
    "VM_SIZE",
    "ACCOUNT_TOTAL",
    "VmSize",
    "PoolDemand",
    "AccountQuotas",
    "RegionAccounts",
    "QuotaRow",
    "QuotaReport",
    "PoolNeed",
    "cores_by_family",
    "evaluate",
    "grade",
    "pool_demands",
    "size_index",
    "stack_needs",
    "unknown_size_row",
    "vm_size_from_capabilities",
]


def size_index(sizes: Iterable[VmSize]) -> dict[str, VmSize]:
    """VM sizes by lowercased name: Azure compares VM size names case-insensitively."""
    return {s.name.lower(): s for s in sizes}


def vm_size_from_capabilities(name: str, family: str, capabilities: Mapping[str, str]) -> VmSize:
    """From a `SupportedSku` (name, familyName, capabilities); vCPUs is the `vCPUs` capability."""
    return VmSize(name, family, int(capabilities["vCPUs"]))


class PoolNeed(NamedTuple):
    """What a pool asks for before VM sizes are known: its maximum (stack) or current target (other) nodes."""

    pool_id: str
    vm_size: str
    dedicated: int
    spot: int
    in_stack: bool = True


def stack_needs(pools: Iterable[Any]) -> list[PoolNeed]:
    """From `PoolConfig`s: fixed pools count their targets, autoscale pools their declared maximums."""
    return [PoolNeed(p.id, p.vm_size, p.scale.max_dedicated, p.scale.max_spot) for p in pools]


def pool_demands(
    needs: Iterable[PoolNeed], sizes: Mapping[str, VmSize], location: str, *, complete: bool = True
) -> tuple[list[PoolDemand], list[QuotaRow]]:
    """Each pool's cores; a VM size Batch does not offer in `location` becomes a failing row instead, or an
    unchecked one when the size list is not Azure's own (`complete=False`: the emulator's catalog)."""
    demands, rows = [], []
    for need in needs:
        size = sizes.get(need.vm_size.lower())
        if size is None:
            rows.append(unknown_size_row(need.pool_id, need.vm_size, location, complete=complete))
            continue
        demands.append(
            PoolDemand(
                need.pool_id, size.name, size.family, size.vcpus, need.dedicated, need.spot, need.in_stack
            )
        )
    return demands, rows


def unknown_size_row(pool_id: str, vm_size: str, location: str, *, complete: bool = True) -> QuotaRow:
    if not complete:
        return QuotaRow(
            VM_SIZE, vm_size, 0, None, "unchecked",
            note=f"the emulator's VM size catalog does not list {vm_size}: its cores are not counted "
            "(Azure's own list decides whether Batch offers it)",
            pools=(pool_id,),
            fix="run `batch-infra quota --azure` against Azure to check this size",
        )
    return QuotaRow(
        VM_SIZE,
        vm_size,
        0,
        None,
        "fail",
        note=f"Batch does not offer {vm_size} in {location}: its cores cannot be counted",
        pools=(pool_id,),
        fix=f"choose a size `az batch location list-skus --location {location}` lists for pool {pool_id}",
    )


def cores_by_family(demands: Iterable[PoolDemand]) -> dict[str, tuple[int, int]]:
    """(dedicated cores, Spot cores) per VM family, summed over the pools."""
    totals: dict[str, tuple[int, int]] = {}
    for d in demands:
        dedicated, spot = totals.get(d.family, (0, 0))
        totals[d.family] = (dedicated + d.dedicated_cores, spot + d.spot_cores)
    return totals


def grade(demand: int, quota: int, threshold: float) -> Status:
    """fail over the quota; warn at or above `threshold` of it; exact arithmetic, so 9 of 10 at 0.9 warns."""
    if demand > quota:
        return "fail"
    if demand > 0 and demand >= Fraction(str(threshold)) * quota:
        return "warn"
    return "ok"


def evaluate(
    demands: Iterable[PoolDemand],
    account: AccountQuotas | None,
    *,
    threshold: float,
    applications: int = 0,
    region: RegionAccounts | None = None,
    extra_rows: Iterable[QuotaRow] = (),
    account_name: str = "",
) -> QuotaReport:
    """Every quota row for the stack; `account` None means the account (`account_name`) does not exist yet."""
    demands = list(demands)
    name = account.name if account else account_name
    rows = [*extra_rows]
    if account is None:
        rows += _rows_without_account(demands, applications, threshold)
    elif account.user_subscription:
        rows += _user_subscription_rows(demands, account, threshold, applications)
    else:
        rows += _core_rows(demands, account, threshold)
        rows.append(_pool_row(demands, account, threshold))
        rows.append(_application_row(applications, account.name, threshold))
    if account is not None:
        rows.append(_jobs_row(account))
    if region is not None:
        rows.append(_region_row(region, threshold))
    return QuotaReport(name, threshold, tuple(rows), account_exists=account is not None)


def _contributors(demands: Iterable[PoolDemand], spot: bool, family: str | None = None) -> tuple[str, ...]:
    return tuple(
        d.describe(spot)
        for d in demands
        if (d.spot_nodes if spot else d.dedicated_nodes) and (family is None or d.family == family)
    )


def _row(
    kind: str,
    subject: str,
    demand: int,
    quota: int,
    threshold: float,
    *,
    note: str = "",
    pools: tuple[str, ...] = (),
    fix: str = "",
) -> QuotaRow:
    status = grade(demand, quota, threshold)
    return QuotaRow(kind, subject, demand, quota, status, note, pools, fix if status == "fail" else "")


def _core_fix(account: str, quota_name: str, pools: tuple[str, ...]) -> str:
    lowered = "; ".join(pools) or "none"
    return (
        f"request an increase of {quota_name} for Batch account {account} (Azure portal > Batch account > "
        f"Quotas > Request quota increase), or lower the node counts of these pools: {lowered}"
    )


def _core_rows(demands: list[PoolDemand], account: AccountQuotas, threshold: float) -> list[QuotaRow]:
    rows = []
    enforced = account.dedicated_core_quota_per_vm_family_enforced
    for family, (dedicated, _) in sorted(cores_by_family(demands).items()):
        if not dedicated:
            continue
        pools = _contributors(demands, False, family)
        if enforced:
            rows.append(
                _row(
                    DEDICATED,
                    family,
                    dedicated,
                    account.family_quota(family),
                    threshold,
                    pools=pools,
                    fix=_core_fix(account.name, f"the {family} dedicated core quota", pools),
                )
            )
        else:
            rows.append(
                QuotaRow(
                    DEDICATED,
                    family,
                    dedicated,
                    None,
                    "unchecked",
                    pools=pools,
                    note="per-family quotas are not enforced on this account "
                    "(dedicatedCoreQuotaPerVMFamilyEnforced false): counted in the account total",
                )
            )
    dedicated_total = sum(d.dedicated_cores for d in demands)
    pools = _contributors(demands, False)
    rows.append(
        _row(
            DEDICATED,
            ACCOUNT_TOTAL,
            dedicated_total,
            account.dedicated_core_quota or 0,
            threshold,
            pools=pools,
            fix=_core_fix(account.name, "dedicatedCoreQuota", pools),
        )
    )
    spot_total = sum(d.spot_cores for d in demands)
    pools = _contributors(demands, True)
    rows.append(
        _row(
            SPOT,
            ACCOUNT_TOTAL,
            spot_total,
            account.low_priority_core_quota or 0,
            threshold,
            note="Spot nodes count only against the account's lowPriorityCoreQuota",
            pools=pools,
            fix=_core_fix(account.name, "lowPriorityCoreQuota", pools),
        )
    )
    return rows


def _pool_row(demands: list[PoolDemand], account: AccountQuotas, threshold: float) -> QuotaRow:
    ids = tuple(d.pool_id if d.in_stack else f"{d.pool_id} (not in this stack)" for d in demands)
    if account.pool_quota is None:
        return QuotaRow(
            POOLS, ACCOUNT_TOTAL, len(ids), None, "unchecked", "the account reports no poolQuota", ids
        )
    return _row(
        POOLS,
        ACCOUNT_TOTAL,
        len(ids),
        account.pool_quota,
        threshold,
        pools=ids,
        fix=f"request a poolQuota increase for Batch account {account.name}, or remove pools from the "
        "stack (or delete unused pools from the account)",
    )


def _application_row(applications: int, account: str, threshold: float) -> QuotaRow:
    return _row(
        APPLICATIONS,
        ACCOUNT_TOTAL,
        applications,
        APPLICATIONS_PER_ACCOUNT,
        threshold,
        note="a fixed Batch limit, not an account quota",
        fix=f"remove applications from the stack or delete unused ones from Batch account {account}",
    )


def _jobs_row(account: AccountQuotas) -> QuotaRow:
    """Informational: the stack declares no jobs, so it asks nothing of activeJobAndJobScheduleQuota."""
    quota = account.active_job_and_job_schedule_quota
    note = (
        "informational: the stack creates no jobs or job schedules; the jobs your workloads submit to "
        "this account count against activeJobAndJobScheduleQuota"
    )
    return QuotaRow(JOBS, ACCOUNT_TOTAL, 0, quota, "ok" if quota is not None else "unchecked", note)


def _region_row(region: RegionAccounts, threshold: float) -> QuotaRow:
    state = "exists" if region.account_exists else "will be created"
    return _row(
        ACCOUNTS,
        region.location,
        region.demand,
        region.account_quota,
        threshold,
        note=f"the subscription's Batch accounts in {region.location}; this stack's account {state}",
        fix=f"delete an unused Batch account in {region.location}, request an increase of the regional "
        "Batch account quota, or deploy to another region",
    )


def _rows_without_account(demands: list[PoolDemand], applications: int, threshold: float) -> list[QuotaRow]:
    note = (
        "the Batch account does not exist yet, so its quotas are unknown (new accounts may start with 0 "
        "cores per family); `pulumi up` checks them once the account exists"
    )
    rows = [
        QuotaRow(DEDICATED, family, dedicated, None, "unchecked", note, _contributors(demands, False, family))
        for family, (dedicated, _) in sorted(cores_by_family(demands).items())
        if dedicated
    ]
    rows.append(
        QuotaRow(
            SPOT,
            ACCOUNT_TOTAL,
            sum(d.spot_cores for d in demands),
            None,
            "unchecked",
            note,
            _contributors(demands, True),
        )
    )
    rows.append(
        QuotaRow(
            POOLS, ACCOUNT_TOTAL, len(demands), None, "unchecked", note, tuple(d.pool_id for d in demands)
        )
    )
    rows.append(_application_row(applications, "(new)", threshold))
    return rows


def _user_subscription_rows(
    demands: list[PoolDemand], account: AccountQuotas, threshold: float, applications: int
) -> list[QuotaRow]:
    note = (
        "UserSubscription mode: nodes use the subscription's regional and per-family vCPU quotas "
        "(`az vm list-usage`), which Batch does not report; not checked here"
    )
    rows = [
        QuotaRow(DEDICATED, family, dedicated, None, "unchecked", note, _contributors(demands, False, family))
        for family, (dedicated, _) in sorted(cores_by_family(demands).items())
        if dedicated
    ]
    spot = sum(d.spot_cores for d in demands)
    if spot:
        rows.append(
            QuotaRow(SPOT, ACCOUNT_TOTAL, spot, None, "unchecked", note, _contributors(demands, True))
        )
    rows.append(_pool_row(demands, account, threshold))
    rows.append(_application_row(applications, account.name, threshold))
    return rows
