"""What QuotaCheck does in each engine call: validate, read and grade the quotas, diff, record the report.

Why the check runs in `check`: the engine calls Check for every resource on every `pulumi preview` and
`pulumi up`, before Diff, and only once the inputs are known, i.e. during `up` only after the Batch account
(whose id is an input) exists. So the quotas are re-read on every run without a nonce, and a shortfall stops
the run as a check failure before any pool is created or resized. Check returns the fresh report as part
of the inputs, but Diff compares only the stack's inputs and the verdict (which rows fail or warn): an
unchanged stack previews with no changes even when numbers outside it move (another pool, a quota raise),
and a changed verdict is written to state by Update. The recorded report is the last changed run's.
"""

from __future__ import annotations

import re
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

ACCOUNT_ID = re.compile(
    r"^/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<group>[^/]+)"
    r"/providers/Microsoft\.Batch/batchAccounts/(?P<account>[^/]+)$",
    re.IGNORECASE,
)
INPUTS = ("account_id", "location", "pools", "applications", "threshold")
COMPUTED = ("report", "warnings")
POOL_KEYS = ("pool_id", "vm_size", "max_dedicated_nodes", "max_spot_nodes")


def check(news: dict[str, Any]) -> CheckResult:
    failures = _shape_failures(news)
    inputs = {k: news.get(k) for k in INPUTS}
    if failures or _has_unknowns(inputs):
        # Preview of a stack whose account is not created yet: nothing to read; `up` checks once it is.
        return CheckResult({**inputs, "report": None, "warnings": []}, failures)
    report = _read(inputs)
    if isinstance(report, CheckFailure):
        return CheckResult({**inputs, "report": None, "warnings": []}, [report])
    return CheckResult({**inputs, **_computed(report)}, _failures(report))


def diff(olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
    changed = [k for k in INPUTS if olds.get(k) != news.get(k)]
    if verdict(olds.get("report")) != verdict(news.get("report")):
        changed.append("report")
    return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)


def verdict(report: dict[str, Any] | None) -> list[tuple[str, str, str]] | None:
    """The rows that fail or warn, as (kind, subject, status); None when nothing was read (preview)."""
    if report is None:
        return None
    rows = report.get("rows") or []
    return sorted(
        (r["kind"], r["subject"], r["status"]) for r in rows if r.get("status") in ("fail", "warn")
    )


def create(props: dict[str, Any]) -> CreateResult:
    # Nothing to create in Azure: the resource is the recorded verdict of `check` for this account.
    return CreateResult(f"{props['account_id']}/quotaCheck", _outputs(props))


def update(news: dict[str, Any]) -> UpdateResult:
    return UpdateResult(_outputs(news))


def read(id_: str, props: dict[str, Any]) -> ReadResult:
    """Refresh: grade again against today's quotas, so `pulumi refresh` shows a moved quota as drift."""
    report = _read(props)
    if isinstance(report, CheckFailure):
        raise RuntimeError(f"refreshing quota check {id_}: {report.reason}")
    return ReadResult(id_, {**_outputs(props), **_computed(report)})


def _outputs(props: dict[str, Any]) -> dict[str, Any]:
    return {k: props.get(k) for k in (*INPUTS, *COMPUTED)}


def _shape_failures(news: dict[str, Any]) -> list[CheckFailure]:
    failures = []
    account_id = news.get("account_id")
    if not _has_unknowns(account_id) and not (isinstance(account_id, str) and ACCOUNT_ID.match(account_id)):
        failures.append(
            CheckFailure(
                "account_id",
                f"{account_id!r} is not a Batch account resource id; fix: pass "
                "the BatchAccount's id (/subscriptions/.../batchAccounts/<name>)",
            )
        )
    threshold = news.get("threshold")
    if not _has_unknowns(threshold) and not (isinstance(threshold, int | float) and 0 < threshold <= 1):
        failures.append(
            CheckFailure(
                "threshold",
                f"{threshold!r} is not a fraction in (0, 1]; fix: set "
                "policies.quotaWarningThreshold, e.g. 0.8",
            )
        )
    pools = news.get("pools")
    if not _has_unknowns(pools) and not isinstance(pools, list):
        failures.append(CheckFailure("pools", "must be a list of pools; fix: pass quota_pool_inputs(config)"))
    for index, pool in enumerate(pools if isinstance(pools, list) else []):
        if not _has_unknowns(pool):
            failures += _pool_failures(index, pool)
    return failures


def _pool_failures(index: int, pool: Any) -> list[CheckFailure]:
    if not isinstance(pool, dict) or set(pool) != set(POOL_KEYS):
        return [CheckFailure(f"pools[{index}]", f"must have exactly the keys {', '.join(POOL_KEYS)}")]
    counts = [pool["max_dedicated_nodes"], pool["max_spot_nodes"]]
    if not all(isinstance(n, int | float) and n >= 0 and int(n) == n for n in counts):
        return [
            CheckFailure(
                f"pools[{index}]", f"node counts of pool {pool['pool_id']!r} must be whole numbers >= 0"
            )
        ]
    return []


def _has_unknowns(value: Any) -> bool:
    """True when the engine has not computed some input yet (preview, before the account exists)."""
    from pulumi.runtime import rpc

    return rpc.contains_unknowns(value)


def _read(props: dict[str, Any]) -> Any:
    """The QuotaReport for these inputs, or a CheckFailure saying which read failed and how to fix it."""
    from batch_infra.errors import BatchInfraError
    from batch_infra.ops.quota_report import QuotaRequest, read_report
    from batch_infra.providers.azure_clients import Target
    from batch_infra.quotas import PoolNeed

    found = ACCOUNT_ID.match(props["account_id"])
    pools = tuple(
        PoolNeed(p["pool_id"], p["vm_size"], int(p["max_dedicated_nodes"]), int(p["max_spot_nodes"]))
        for p in props["pools"]
    )
    request = QuotaRequest(
        found["group"],
        found["account"],
        props["location"],
        pools,
        tuple(props["applications"] or ()),
        float(props["threshold"]),
    )
    try:
        return read_report(Target.from_environment(found["subscription"]), request)
    except BatchInfraError as err:
        return CheckFailure(
            "account_id", f"reading the quotas of Batch account {found['account']}: {err.render()}"
        )


def _computed(report: Any) -> dict[str, Any]:
    from batch_infra.ops.quota_report import row_text

    return {"report": report.to_dict(), "warnings": [row_text(r) for r in report.warnings]}


def _failures(report: Any) -> list[CheckFailure]:
    from batch_infra import quotas
    from batch_infra.ops.quota_report import text_table

    if report.ok:
        return []
    where = {quotas.ACCOUNTS: "location", quotas.APPLICATIONS: "applications"}
    groups: dict[str, list[Any]] = {}
    for row in report.failures:
        groups.setdefault(where.get(row.kind, "pools"), []).append(row)
    return [
        CheckFailure(
            prop,
            f"the stack needs more than Batch account {report.account} allows:\n"
            f"{text_table(rows)}\n" + "\n".join(f"  fix ({r.kind}, {r.subject}): {r.fix}" for r in rows),
        )
        for prop, rows in sorted(groups.items())
    ]
