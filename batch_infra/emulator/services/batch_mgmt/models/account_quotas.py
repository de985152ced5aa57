"""Batch account quotas: Azure's defaults for a new account and the admin API's quota overrides."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from batch_infra.emulator import catalog
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.services.batch_mgmt.models import common
from batch_infra.emulator.services.batch_mgmt.models.common import ACCOUNTS

if TYPE_CHECKING:
    from batch_infra.emulator.context import EmulatorContext

# Families a new BatchService account can use at once; GPU and HPC families start at 0 cores, as in Azure.
_STARTER_FAMILY_CORES = 100
_ZERO_QUOTA_FAMILY_PREFIXES = ("standardNC", "standardND", "standardNV", "standardHB", "standardHC")


# Setting (PUT /admin/settings): new accounts get Azure's worst case, 0 cores in every VM family and 0
# dedicated and Spot cores in total ("in some cases these limits have been reduced to zero").
ZERO_CORES_SETTING = "new_accounts_zero_cores"


def default_quotas(zero_cores: bool = False) -> dict[str, Any]:
    """The quota properties Azure gives a new BatchService-mode account (`zero_cores`: the worst case)."""
    families = [
        {
            "name": family,
            "coreQuota": 0
            if zero_cores or family.startswith(_ZERO_QUOTA_FAMILY_PREFIXES)
            else _STARTER_FAMILY_CORES,
        }
        for family in catalog.vm_families()
    ]
    return {
        "dedicatedCoreQuota": 0 if zero_cores else 500,
        "lowPriorityCoreQuota": 0 if zero_cores else 100,
        "dedicatedCoreQuotaPerVMFamily": families,
        "dedicatedCoreQuotaPerVMFamilyEnforced": True,
        "poolQuota": 100,
        "activeJobAndJobScheduleQuota": 300,
    }


def set_quotas(ctx: EmulatorContext, account_name: str, quotas: dict[str, Any]) -> dict[str, Any]:
    """Admin hook: overwrite quota properties of every account named `account_name`."""
    allowed = set(default_quotas())
    unknown = sorted(set(quotas) - allowed)
    if unknown:
        raise AzureError(
            400,
            "InvalidRequestBody",
            f"Unknown quota field '{unknown[0]}'; allowed: {', '.join(sorted(allowed))}.",
            target=unknown[0],
        )
    _check_quota_values(quotas)
    with ctx.state.transaction() as state:
        docs = common.find_accounts(ctx, account_name)
        if not docs:
            raise common.account_not_found(account_name)
        for doc in docs:
            props = doc["resource"]["properties"]
            for field, value in quotas.items():
                if field == "dedicatedCoreQuotaPerVMFamily":
                    value = _merge_families(props.get(field) or [], value)
                props[field] = value
            state.put(ACCOUNTS, doc["resource"]["id"], doc)
        return docs[0]["resource"]["properties"]


def _merge_families(current: list[dict[str, Any]], changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Families named in `changes` get the new coreQuota; the others keep theirs."""
    merged = {f["name"].lower(): dict(f) for f in current}
    for change in changes:
        merged[change["name"].lower()] = {"name": change["name"], "coreQuota": change["coreQuota"]}
    return list(merged.values())


def _check_quota_values(quotas: dict[str, Any]) -> None:
    for field, value in quotas.items():
        if field == "dedicatedCoreQuotaPerVMFamilyEnforced":
            ok = isinstance(value, bool)
        elif field == "dedicatedCoreQuotaPerVMFamily":
            ok = isinstance(value, list) and all(
                isinstance(f, dict)
                and isinstance(f.get("name"), str)
                and isinstance(f.get("coreQuota"), int)
                and f["coreQuota"] >= 0
                for f in value
            )
        else:
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        if not ok:
            raise AzureError(
                400,
                "InvalidRequestBody",
                f"Quota field '{field}' has an invalid value {value!r}: "
                "counts are non-negative integers; families are [{name, coreQuota}].",
                target=field,
            )
