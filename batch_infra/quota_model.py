"""The quota report's vocabulary (pure data): VM sizes, pool demand, account and region quotas, rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# ok: under the warning threshold; warn: at or above it; fail: demand exceeds the quota;
# unchecked: Azure reports no quota to compare with (the row's note says why), so nothing is claimed.
Status = Literal["ok", "warn", "fail", "unchecked"]

# "Applications per Batch account": a fixed limit of the Batch service (batch-quota-limit, "Other limits"),
# not a quota property of the account; the emulator enforces the same number.
APPLICATIONS_PER_ACCOUNT = 20

DEDICATED = "dedicated cores"
SPOT = "Spot cores"
POOLS = "pools"
APPLICATIONS = "applications"
ACCOUNTS = "Batch accounts"
JOBS = "active jobs and job schedules"
VM_SIZE = "VM size"
ACCOUNT_TOTAL = "account total"


@dataclass(frozen=True)
class VmSize:
    """One VM size as Batch offers it in a region: the family its cores count against, and its vCPUs."""

    name: str
    family: str
    vcpus: int


@dataclass(frozen=True)
class PoolDemand:
    """The most nodes one pool can hold: the stack's maximum for its own pools, the live target for others."""

    pool_id: str
    vm_size: str
    family: str
    vcpus: int
    dedicated_nodes: int
    spot_nodes: int
    in_stack: bool = True

    @property
    def dedicated_cores(self) -> int:
        return self.dedicated_nodes * self.vcpus

    @property
    def spot_cores(self) -> int:
        return self.spot_nodes * self.vcpus

    def describe(self, spot: bool = False) -> str:
        nodes = self.spot_nodes if spot else self.dedicated_nodes
        origin = "" if self.in_stack else " (not in this stack)"
        return f"{self.pool_id}{origin}: {nodes} x {self.vcpus} vCPUs ({self.vm_size})"


@dataclass(frozen=True)
class AccountQuotas:
    """The quota properties of a Batch account as Azure returns them (none in UserSubscription mode)."""

    name: str
    pool_allocation_mode: str = "BatchService"
    dedicated_core_quota: int | None = None
    dedicated_core_quota_per_vm_family: Mapping[str, int] = field(default_factory=dict)
    dedicated_core_quota_per_vm_family_enforced: bool = False
    low_priority_core_quota: int | None = None
    pool_quota: int | None = None
    active_job_and_job_schedule_quota: int | None = None

    @property
    def user_subscription(self) -> bool:
        return self.pool_allocation_mode == "UserSubscription"

    def family_quota(self, family: str) -> int:
        """A family's dedicated core quota; a family Azure does not list has none (0 cores)."""
        wanted = family.lower()
        return next(
            (q for name, q in self.dedicated_core_quota_per_vm_family.items() if name.lower() == wanted), 0
        )

    @classmethod
    def from_wire(cls, name: str, properties: Mapping[str, Any]) -> AccountQuotas:
        """From the REST shape of `BatchAccount.properties` (camelCase, as in the spec and the emulator)."""
        families = properties.get("dedicatedCoreQuotaPerVMFamily") or []
        return cls(
            name=name,
            pool_allocation_mode=properties.get("poolAllocationMode") or "BatchService",
            dedicated_core_quota=properties.get("dedicatedCoreQuota"),
            dedicated_core_quota_per_vm_family={f["name"]: int(f["coreQuota"]) for f in families},
            dedicated_core_quota_per_vm_family_enforced=bool(
                properties.get("dedicatedCoreQuotaPerVMFamilyEnforced")
            ),
            low_priority_core_quota=properties.get("lowPriorityCoreQuota"),
            pool_quota=properties.get("poolQuota"),
            active_job_and_job_schedule_quota=properties.get("activeJobAndJobScheduleQuota"),
        )


@dataclass(frozen=True)
class RegionAccounts:
    """The subscription's Batch accounts in one region against `location.get_quotas().account_quota`."""

    location: str
    account_quota: int
    accounts_in_region: int  # the subscription's Batch accounts there now, this stack's included if it exists
    account_exists: bool

    @property
    def demand(self) -> int:
        return self.accounts_in_region + (0 if self.account_exists else 1)


@dataclass(frozen=True)
class QuotaRow:
    """One line of the quota table: what is counted (kind, subject), the demand, the quota and the verdict."""

    kind: str
    subject: str
    demand: int
    quota: int | None
    status: Status
    note: str = ""
    pools: tuple[str, ...] = ()  # the pools making up the demand, for the fix
    fix: str = ""

    @property
    def headroom(self) -> int | None:
        return None if self.quota is None else self.quota - self.demand

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "pools": list(self.pools), "headroom": self.headroom}


@dataclass(frozen=True)
class QuotaReport:
    account: str
    threshold: float
    rows: tuple[QuotaRow, ...]
    account_exists: bool = True

    @property
    def failures(self) -> list[QuotaRow]:
        return [r for r in self.rows if r.status == "fail"]

    @property
    def warnings(self) -> list[QuotaRow]:
        return [r for r in self.rows if r.status == "warn"]

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "accountExists": self.account_exists,
            "threshold": self.threshold,
            "ok": self.ok,
            "rows": [r.to_dict() for r in self.rows],
        }
