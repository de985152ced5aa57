"""Reads what the quota arithmetic needs from Azure or the emulator and evaluates it (CLI and QuotaCheck)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from batch_infra import quotas
from batch_infra.providers import azure_failures
from batch_infra.providers.azure_clients import Target, batch_mgmt_client
from batch_infra.quotas import AccountQuotas, PoolNeed, QuotaReport, RegionAccounts

T = TypeVar("T")


@dataclass(frozen=True)
class QuotaRequest:
    """Which account to read and what the stack will ask of it."""

    resource_group: str
    account_name: str
    location: str
    pools: tuple[PoolNeed, ...]
    applications: tuple[str, ...]  # the stack's application ids
    threshold: float

    @classmethod
    def from_stack(cls, config: Any) -> QuotaRequest:
        """From a validated `StackConfig`: its derived names, pools at their maximums, applications."""
        names = config.names()
        return cls(
            names.resource_group,
            names.batch_account,
            config.location,
            tuple(quotas.stack_needs(config.pools)),
            tuple(a.id for a in config.applications),
            config.policies.quota_warning_threshold,
        )


def read_report(target: Target, request: QuotaRequest, client: Any = None) -> QuotaReport:
    """Read the account, its pools and applications, the VM sizes and the region's accounts; evaluate them."""
    client = client or batch_mgmt_client(target)
    location = request.location
    sizes = _call(
        f"listing the VM sizes Batch offers in {location}",
        lambda: quotas.size_index(
            _vm_size(s) for s in client.location.list_supported_virtual_machine_skus(location)
        ),
    )
    account = _find_account(client, request)
    needs = list(request.pools)
    applications = {a.lower() for a in request.applications}
    if account is not None:
        needs += _other_pools(client, request)
        applications |= {a.lower() for a in _live_applications(client, request)}
    # The emulator catalog is compiled from Microsoft size pages (scripts/vm_catalog.py), not Azure list.
    complete = target.credential_source != "emulator"
    demands, size_rows = quotas.pool_demands(needs, sizes, location, complete=complete)
    region = _region(client, location, account is not None)
    return quotas.evaluate(
        demands,
        account,
        threshold=request.threshold,
        applications=len(applications),
        region=region,
        extra_rows=size_rows,
        account_name=request.account_name,
    )


def account_quotas(account: Any) -> AccountQuotas:
    """From azure-mgmt-batch's `BatchAccount` (quota properties are None in UserSubscription mode)."""
    families = account.dedicated_core_quota_per_vm_family or []
    mode = account.pool_allocation_mode
    return AccountQuotas(
        name=account.name,
        pool_allocation_mode=str(getattr(mode, "value", mode) or "BatchService"),
        dedicated_core_quota=account.dedicated_core_quota,
        dedicated_core_quota_per_vm_family={f.name: f.core_quota for f in families},
        dedicated_core_quota_per_vm_family_enforced=bool(account.dedicated_core_quota_per_vm_family_enforced),
        low_priority_core_quota=account.low_priority_core_quota,
        pool_quota=account.pool_quota,
        active_job_and_job_schedule_quota=account.active_job_and_job_schedule_quota,
    )


def _call(operation: str, action: Callable[[], T]) -> T:
    """Run one Azure read; a failure becomes an AzureOperationError whose fix matches its cause."""
    return azure_failures.call(operation, action, access="Reader on the subscription")


def _vm_size(sku: Any) -> quotas.VmSize:
    capabilities = {c.name: c.value for c in sku.capabilities or []}
    return quotas.vm_size_from_capabilities(sku.name, sku.family_name, capabilities)


def _find_account(client: Any, request: QuotaRequest) -> AccountQuotas | None:
    from azure.core.exceptions import ResourceNotFoundError

    def get() -> AccountQuotas | None:
        try:
            return account_quotas(client.batch_account.get(request.resource_group, request.account_name))
        except ResourceNotFoundError:
            return None  # not created yet (or its resource group isn't): quotas are unknown, not zero

    return _call(f"reading Batch account {request.account_name} in {request.resource_group}", get)


def _other_pools(client: Any, request: QuotaRequest) -> list[PoolNeed]:
    """Pools in the account the stack does not declare: they hold quota at their current size."""
    ours = {p.pool_id.lower() for p in request.pools}
    live = _call(
        f"listing the pools of Batch account {request.account_name}",
        lambda: list(client.pool.list_by_batch_account(request.resource_group, request.account_name)),
    )
    return [
        PoolNeed(p.name, p.vm_size, *_held_nodes(p), in_stack=False)
        for p in live
        if p.name.lower() not in ours
    ]


def _held_nodes(pool: Any) -> tuple[int, int]:
    """The larger of current and fixed target node counts: a resizing pool is heading to its target."""
    fixed = getattr(pool.scale_settings, "fixed_scale", None) if pool.scale_settings else None
    target = (fixed.target_dedicated_nodes or 0, fixed.target_low_priority_nodes or 0) if fixed else (0, 0)
    return (
        max(pool.current_dedicated_nodes or 0, target[0]),
        max(pool.current_low_priority_nodes or 0, target[1]),
    )


def _live_applications(client: Any, request: QuotaRequest) -> Iterable[str]:
    return _call(
        f"listing the applications of Batch account {request.account_name}",
        lambda: [a.name for a in client.application.list(request.resource_group, request.account_name)],
    )


def _region(client: Any, location: str, account_exists: bool) -> RegionAccounts:
    quota = _call(
        f"reading the Batch quotas of region {location}", lambda: client.location.get_quotas(location)
    )
    accounts = _call("listing the subscription's Batch accounts", lambda: list(client.batch_account.list()))
    in_region = sum(1 for a in accounts if _same_region(a.location, location))
    return RegionAccounts(location, quota.account_quota or 0, in_region, account_exists)


def _same_region(one: str | None, other: str) -> bool:
    return (one or "").replace(" ", "").lower() == other.replace(" ", "").lower()


COLUMNS = ("quota", "family / scope", "demand", "limit", "headroom", "status")


def row_cells(row: quotas.QuotaRow) -> tuple[str, ...]:
    """One row as table cells; a missing quota shows as "-" (nothing to compare with, see the note)."""
    missing = "-"
    quota = missing if row.quota is None else str(row.quota)
    headroom = missing if row.headroom is None else str(row.headroom)
    return (row.kind, row.subject, str(row.demand), quota, headroom, row.status)


def text_table(rows: Iterable[quotas.QuotaRow]) -> str:
    """A plain, aligned table (for check failures in the Pulumi engine's output, which has no rich)."""
    cells = [COLUMNS, *(row_cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    return "\n".join(
        "  " + "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in cells
    )


def row_text(row: quotas.QuotaRow) -> str:
    """One row in a sentence, for warnings."""
    limit = "no quota reported" if row.quota is None else f"{row.demand} of {row.quota}"
    detail = row.note or ", ".join(row.pools)
    return f"{row.kind} ({row.subject}): {limit} ({row.status}); {detail}".rstrip("; ")


def warning_explanation(row: quotas.QuotaRow) -> str:
    """Why a warn row matters: what is left, against what threshold, and what to do before it fails."""
    left = "no headroom" if row.headroom == 0 else f"{row.headroom} left"
    return (
        f"{row.demand} of {row.quota} ({left}) is at or above the warning threshold: the stack fits today, "
        "but growing these pools or another deployment to this account/region can exceed it; request an "
        "increase ahead of time, or set policies.quotaWarningThreshold to warn later"
    )
