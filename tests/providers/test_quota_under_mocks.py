"""QuotaCheck under Pulumi's mocks: every pool waits for it; its warn rows reach the engine's log."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from batch_infra import quotas
from batch_infra.providers.quota import QuotaCheck
from batch_infra.providers.quota_lifecycle import _computed
from batch_infra.quotas import AccountQuotas, PoolNeed, VmSize
from tests.fixtures.plans import STACKS

ACCOUNT_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Batch/batchAccounts/acct"


@pytest.mark.parametrize("stack", STACKS)
def test_every_pool_is_ordered_after_the_quota_check(planned, stack):
    """The engine's RegisterResource dependencies, as the program sent them: no pool is created or
    resized before the quota check has passed."""
    plan = planned(stack)
    [check] = [r for r in plan.resources if r.name == "batch-quota"]
    pools = [r for r in plan.resources if r.type.endswith(":Pool")]
    assert pools, f"stack {stack} declares pools"
    assert {p.name: check.urn in p.dependencies for p in pools} == {p.name: True for p in pools}


def warn_report() -> quotas.QuotaReport:
    """A real graded report with one warn row: 9 of 10 Spot cores at a 0.8 threshold."""
    demands, _ = quotas.pool_demands(
        [PoolNeed("spot", "Standard_F1", 0, 9)], quotas.size_index([VmSize("Standard_F1", "fsv2", 1)]), "x"
    )
    account = AccountQuotas("acct", dedicated_core_quota=10, low_priority_core_quota=10, pool_quota=10)
    report = quotas.evaluate(demands, account, threshold=0.8)
    assert [(r.kind, r.status) for r in report.warnings] == [(quotas.SPOT, "warn")]
    return report


class Mocks(pulumi.runtime.Mocks):
    """Stands in for the provider's check: a check named "*-warned" records the warn report's outputs."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        outputs = dict(args.inputs)
        if args.name.endswith("-warned"):
            outputs.update(_computed(warn_report()))
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


@pytest.fixture
def logged(monkeypatch) -> list[tuple[str, Any]]:
    pulumi.runtime.set_mocks(Mocks(), preview=False)
    lines: list[tuple[str, Any]] = []
    monkeypatch.setattr(
        pulumi.log, "warn", lambda message, resource=None, **_: lines.append((message, resource))
    )
    return lines


def props() -> dict[str, Any]:
    return {
        "account_id": ACCOUNT_ID,
        "location": "westeurope",
        "pools": [],
        "applications": [],
        "threshold": 0.8,
    }


@pulumi.runtime.test
def test_a_warn_row_is_logged_once_on_the_quota_check(logged):
    quiet = QuotaCheck("dev-quota", props())
    warned = QuotaCheck("prod-quota-warned", props())

    def check(_: Any) -> None:
        assert logged == [
            (
                "Spot cores (account total): 9 of 10 (warn); "
                "Spot nodes count only against the account's lowPriorityCoreQuota",
                warned,
            )
        ]
        assert all(resource is not quiet for _, resource in logged)

    return pulumi.Output.all(quiet.warnings, warned.warnings).apply(check)
