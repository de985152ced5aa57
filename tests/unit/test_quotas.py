"""Quota arithmetic: demand per VM family (dedicated, Spot), grading against quotas, and the special modes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch_infra import quotas
from batch_infra.autoscale import PoolState, evaluate
from batch_infra.config.pools import PoolConfig
from batch_infra.config.stack import StackConfig
from batch_infra.providers.pool_spec import effective_formula
from batch_infra.quotas import AccountQuotas, PoolNeed, RegionAccounts, VmSize

SIZES = quotas.size_index(
    [
        VmSize("Standard_D2s_v5", "standardDSv5Family", 2),
        VmSize("Standard_D4s_v5", "standardDSv5Family", 4),
        VmSize("Standard_F8s_v2", "standardFSv2Family", 8),
        VmSize("Standard_F16s_v2", "standardFSv2Family", 16),
        VmSize("Standard_NC6s_v3", "standardNCSv3Family", 6),
    ]
)
FAMILIES = sorted({s.family for s in SIZES.values()})

needs = st.lists(
    st.builds(
        PoolNeed,
        st.text("abcdefgh", min_size=1, max_size=6),
        st.sampled_from(sorted(SIZES)),
        st.integers(0, 300),
        st.integers(0, 100),
    ),
    max_size=8,
)
family_quotas = st.fixed_dictionaries({f: st.integers(0, 2000) for f in FAMILIES})


def account(**overrides) -> AccountQuotas:
    values = dict(
        name="contosodevbatch",
        dedicated_core_quota=500,
        low_priority_core_quota=100,
        pool_quota=100,
        dedicated_core_quota_per_vm_family={f: 100 for f in FAMILIES},
        dedicated_core_quota_per_vm_family_enforced=True,
        active_job_and_job_schedule_quota=300,
    )
    return AccountQuotas(**{**values, **overrides})


def rows_by(report, kind):
    return {r.subject: r for r in report.rows if r.kind == kind}


@given(needs)
def test_family_demand_is_nodes_times_vcpus_summed_per_family(pool_needs):
    demands, rows = quotas.pool_demands(pool_needs, SIZES, "westeurope")
    assert rows == []
    by_family = quotas.cores_by_family(demands)
    for family in FAMILIES:
        expected = [
            (n.dedicated * SIZES[n.vm_size.lower()].vcpus, n.spot * SIZES[n.vm_size.lower()].vcpus)
            for n in pool_needs
            if SIZES[n.vm_size.lower()].family == family
        ]
        got = by_family.get(family, (0, 0))
        assert got == (sum(e[0] for e in expected), sum(e[1] for e in expected))
    assert sum(d for d, _ in by_family.values()) == sum(d.dedicated_cores for d in demands)


@given(needs)
def test_demand_does_not_depend_on_pool_order(pool_needs):
    forward, _ = quotas.pool_demands(pool_needs, SIZES, "westeurope")
    backward, _ = quotas.pool_demands(list(reversed(pool_needs)), SIZES, "westeurope")
    assert quotas.cores_by_family(forward) == quotas.cores_by_family(backward)


@pytest.mark.parametrize(
    ("demand", "quota", "threshold", "status"),
    [
        (7, 10, 0.7, "warn"),  # 0.7 * 10 is 7.000000000000001 in floats: exactly at the threshold warns
        (14, 20, 0.7, "warn"),  # 0.7 * 20 is 14.000000000000002 in floats
        (6, 10, 0.7, "ok"),
        (57, 100, 0.57, "warn"),
        (56, 100, 0.57, "ok"),
        (100, 100, 1.0, "warn"),
        (99, 100, 1.0, "ok"),
        (101, 100, 1.0, "fail"),
        (1, 1, 0.95, "warn"),
        (1, 0, 0.5, "fail"),
        (0, 0, 1.0, "ok"),
        (0, 10_000, 0.5, "ok"),
        (5_000, 10_000, 0.5, "warn"),
        (4_999, 10_000, 0.5, "ok"),
    ],
)
def test_grade_at_hand_computed_points(demand, quota, threshold, status):
    assert quotas.grade(demand, quota, threshold) == status


@given(st.integers(0, 10_000), st.sampled_from([0.5, 0.7, 0.8, 0.9, 0.95, 1.0]))
def test_grade_only_worsens_as_demand_grows(quota, threshold):
    order = {"ok": 0, "warn": 1, "fail": 2}
    statuses = [quotas.grade(d, quota, threshold) for d in range(quota + 2)]
    assert [order[s] for s in statuses] == sorted(order[s] for s in statuses)
    assert statuses[quota] != "fail" and statuses[quota + 1] == "fail"


@given(
    needs, family_quotas, st.integers(0, 3000), st.integers(0, 500), st.integers(0, 10), st.integers(0, 25)
)
def test_enforced_report_fails_exactly_when_some_demand_exceeds_its_quota(
    pool_needs, per_family, total, spot, pool_quota, apps
):
    acct = account(
        dedicated_core_quota_per_vm_family=per_family,
        dedicated_core_quota=total,
        low_priority_core_quota=spot,
        pool_quota=pool_quota,
    )
    demands, _ = quotas.pool_demands(pool_needs, SIZES, "westeurope")
    report = quotas.evaluate(demands, acct, threshold=0.8, applications=apps)
    by_family = quotas.cores_by_family(demands)
    expected_fail = (
        any(d > per_family[f] for f, (d, _) in by_family.items())
        or sum(d for d, _ in by_family.values()) > total
        or sum(s for _, s in by_family.values()) > spot
        or len(pool_needs) > pool_quota
        or apps > quotas.APPLICATIONS_PER_ACCOUNT
    )
    assert report.ok is not expected_fail
    for row in report.rows:
        assert row.headroom == row.quota - row.demand
        assert (row.fix != "") == (row.status == "fail")


@given(needs, family_quotas, family_quotas)
def test_per_family_quotas_do_not_matter_when_not_enforced(pool_needs, first, second):
    demands, _ = quotas.pool_demands(pool_needs, SIZES, "westeurope")
    one = quotas.evaluate(
        demands,
        account(dedicated_core_quota_per_vm_family=first, dedicated_core_quota_per_vm_family_enforced=False),
        threshold=0.8,
    )
    two = quotas.evaluate(
        demands,
        account(dedicated_core_quota_per_vm_family=second, dedicated_core_quota_per_vm_family_enforced=False),
        threshold=0.8,
    )
    assert [(r.status, r.demand, r.quota) for r in one.rows] == [
        (r.status, r.demand, r.quota) for r in two.rows
    ]
    assert all(
        r.status == "unchecked"
        for r in one.rows
        if r.kind == quotas.DEDICATED and r.subject != "account total"
    )


def test_family_over_quota_names_the_pools_and_the_fix():
    demands, _ = quotas.pool_demands(
        [PoolNeed("render", "Standard_F16s_v2", 10, 0), PoolNeed("small", "Standard_F8s_v2", 2, 0)],
        SIZES,
        "westeurope",
    )
    report = quotas.evaluate(demands, account(), threshold=0.8)
    row = rows_by(report, quotas.DEDICATED)["standardFSv2Family"]
    assert (row.demand, row.quota, row.headroom, row.status) == (176, 100, -76, "fail")
    assert row.pools == ("render: 10 x 16 vCPUs (Standard_F16s_v2)", "small: 2 x 8 vCPUs (Standard_F8s_v2)")
    assert "standardFSv2Family" in row.fix and "render: 10 x 16" in row.fix
    assert [r.subject for r in report.failures] == ["standardFSv2Family"]


def test_a_family_azure_does_not_list_has_no_cores():
    demands, _ = quotas.pool_demands([PoolNeed("gpu", "Standard_NC6s_v3", 1, 0)], SIZES, "westeurope")
    report = quotas.evaluate(demands, account(dedicated_core_quota_per_vm_family={}), threshold=0.8)
    assert rows_by(report, quotas.DEDICATED)["standardNCSv3Family"].quota == 0
    assert not report.ok


def test_spot_counts_only_against_the_low_priority_quota():
    demands, _ = quotas.pool_demands([PoolNeed("spot", "Standard_D4s_v5", 0, 30)], SIZES, "westeurope")
    report = quotas.evaluate(demands, account(low_priority_core_quota=100), threshold=0.8)
    assert "standardDSv5Family" not in rows_by(report, quotas.DEDICATED)
    spot = rows_by(report, quotas.SPOT)["account total"]
    assert (spot.demand, spot.quota, spot.status) == (120, 100, "fail")
    assert "lowPriorityCoreQuota" in spot.fix


@pytest.mark.parametrize(
    ("demand", "threshold", "status"),
    [
        (9, 0.9, "warn"),
        (8, 0.9, "ok"),
        (10, 0.9, "warn"),
        (11, 0.9, "fail"),
        (3, 0.3, "warn"),
        (2, 0.3, "ok"),
        (0, 0.5, "ok"),
    ],
)
def test_warning_starts_exactly_at_the_threshold(demand, threshold, status):
    assert quotas.grade(demand, 10, threshold) == status


def test_a_zero_quota_fails_any_demand_and_accepts_none():
    assert quotas.grade(1, 0, 0.8) == "fail"
    assert quotas.grade(0, 0, 0.8) == "ok"


def test_pools_and_applications_per_account():
    needs_ = [PoolNeed(f"p{i}", "Standard_D2s_v5", 1, 0) for i in range(3)]
    needs_.append(PoolNeed("legacy", "Standard_D2s_v5", 2, 0, in_stack=False))
    demands, _ = quotas.pool_demands(needs_, SIZES, "westeurope")
    report = quotas.evaluate(demands, account(pool_quota=3), threshold=0.8, applications=21)
    pools = rows_by(report, quotas.POOLS)["account total"]
    assert (pools.demand, pools.quota, pools.status) == (4, 3, "fail")
    assert "legacy (not in this stack)" in pools.pools
    apps = rows_by(report, quotas.APPLICATIONS)["account total"]
    assert (apps.demand, apps.quota, apps.status) == (21, 20, "fail")


@pytest.mark.parametrize(
    ("existing", "exists", "quota", "demand", "status"),
    [
        (2, False, 2, 3, "fail"),
        (3, True, 3, 3, "warn"),
        (1, False, 3, 2, "ok"),
        (2, True, 2, 2, "warn"),
        (2, True, 3, 2, "ok"),
    ],
)
def test_accounts_per_region_count_this_stacks_account_once(existing, exists, quota, demand, status):
    report = quotas.evaluate(
        [], account(), threshold=0.9, region=RegionAccounts("westeurope", quota, existing, exists)
    )
    row = rows_by(report, quotas.ACCOUNTS)["westeurope"]
    assert (row.demand, row.quota, row.status) == (demand, quota, status)


def test_user_subscription_accounts_say_cores_are_not_checked():
    demands, _ = quotas.pool_demands([PoolNeed("p", "Standard_D4s_v5", 5000, 10)], SIZES, "westeurope")
    acct = AccountQuotas.from_wire("usersub", {"poolAllocationMode": "UserSubscription"})
    report = quotas.evaluate(demands, acct, threshold=0.8)
    cores = [r for r in report.rows if r.kind in (quotas.DEDICATED, quotas.SPOT)]
    assert cores and all(
        r.status == "unchecked" and r.quota is None and "UserSubscription" in r.note for r in cores
    )
    assert rows_by(report, quotas.POOLS)["account total"].status == "unchecked"
    assert report.ok


def test_account_not_created_yet_claims_nothing_about_cores():
    demands, _ = quotas.pool_demands([PoolNeed("p", "Standard_D4s_v5", 5, 0)], SIZES, "westeurope")
    report = quotas.evaluate(demands, None, threshold=0.8, applications=1, account_name="newacct")
    assert (report.account, report.account_exists) == ("newacct", False)
    assert {r.kind: r.status for r in report.rows}[quotas.DEDICATED] == "unchecked"
    assert report.ok


def test_a_vm_size_batch_does_not_offer_is_a_failure():
    demands, rows = quotas.pool_demands([PoolNeed("p", "Standard_Z9", 1, 0)], SIZES, "westeurope")
    assert demands == []
    report = quotas.evaluate(demands, account(), threshold=0.8, extra_rows=rows)
    assert [(r.kind, r.subject, r.status) for r in report.failures] == [
        (quotas.VM_SIZE, "Standard_Z9", "fail")
    ]
    assert "list-skus" in report.failures[0].fix


def test_wire_quotas_and_stack_needs():
    acct = AccountQuotas.from_wire(
        "a",
        {
            "dedicatedCoreQuota": 40,
            "lowPriorityCoreQuota": 10,
            "poolQuota": 5,
            "activeJobAndJobScheduleQuota": 20,
            "dedicatedCoreQuotaPerVMFamily": [{"name": "standardDSv5Family", "coreQuota": 24}],
            "dedicatedCoreQuotaPerVMFamilyEnforced": True,
            "poolAllocationMode": "BatchService",
        },
    )
    assert acct.family_quota("STANDARDdsv5family") == 24 and acct.pool_quota == 5
    fixed = PoolConfig.model_validate(
        {
            "id": "f",
            "vmSize": "Standard_D2s_v5",
            "image": {"os": "ubuntu 24.04"},
            "scale": {"targetDedicatedNodes": 3},
        }
    )
    auto = PoolConfig.model_validate(
        {
            "id": "a",
            "vmSize": "Standard_D2s_v5",
            "image": {"os": "ubuntu 24.04"},
            "scale": {"formula": "$TargetDedicatedNodes = 1;", "maxDedicatedNodes": 7, "maxSpotNodes": 2},
        }
    )
    assert quotas.stack_needs([fixed, auto]) == [
        PoolNeed("f", "Standard_D2s_v5", 3, 0),
        PoolNeed("a", "Standard_D2s_v5", 7, 2),
    ]


def autoscale_pool(formula: str, max_dedicated: int, max_spot: int | None) -> PoolConfig:
    scale = {"formula": formula, "maxDedicatedNodes": max_dedicated}
    if max_spot is not None:
        scale["maxSpotNodes"] = max_spot
    return PoolConfig.model_validate(
        {"id": "auto", "vmSize": "Standard_D2s_v5", "image": {"os": "ubuntu 24.04"}, "scale": scale}
    )


spot_statements = st.sampled_from(
    [
        "",
        "$TargetLowPriorityNodes = {n};",
        "$TargetLowPriority = {n};",
        "$TargetLowPriorityNodes = max({n}, $PendingTasks.GetSample(1));",
    ]
)


@given(
    st.integers(0, 500),
    st.integers(0, 500),
    spot_statements,
    st.integers(0, 50),
    st.one_of(st.none(), st.integers(0, 50)),
    st.integers(0, 200),
    st.integers(0, 200),
)
def test_quota_demand_covers_what_the_capped_formula_can_reach(
    dedicated, spot, spot_statement, max_dedicated, max_spot, current_dedicated, current_spot
):
    """The cores the quota check counts are never fewer than the provider's capped formula can ask for,
    including when maxSpotNodes is omitted (0) and the pool already has Spot targets from outside."""
    formula = f"$TargetDedicatedNodes = {dedicated};" + spot_statement.format(n=spot)
    pool = autoscale_pool(formula, max_dedicated, max_spot)
    (need,) = quotas.stack_needs([pool])
    current = PoolState(target_dedicated_nodes=current_dedicated, target_low_priority_nodes=current_spot)
    reached = evaluate(effective_formula(pool), at=datetime(2024, 1, 3, tzinfo=UTC), current=current)
    assert reached.target_dedicated_nodes <= need.dedicated
    assert reached.target_low_priority_nodes <= need.spot


@pytest.mark.parametrize(
    ("formula", "max_spot", "flagged"),
    [
        ("$TargetDedicatedNodes = 1; $TargetLowPriorityNodes = 4;", None, True),
        ("$TargetDedicatedNodes = 1; $TargetLowPriority = 4;", None, True),
        ("$TargetDedicatedNodes = 1; $TargetLowPriorityNodes = 4;", 4, False),
        ("$TargetDedicatedNodes = 1;", None, False),
    ],
)
def test_config_refuses_a_spot_formula_without_max_spot_nodes(formula, max_spot, flagged):
    pool = autoscale_pool(formula, 2, max_spot).model_dump(by_alias=True, mode="json", exclude_none=True)
    config = StackConfig.model_validate(
        {"environment": "dev", "location": "westeurope", "naming": {"prefix": "contoso"}, "pools": [pool]}
    )
    problems = [(key, message) for key, message in config.cross_problems() if "maxSpotNodes" in key]
    if not flagged:
        assert problems == []
        return
    [(key, message)] = problems
    assert key == "pools[0].scale.maxSpotNodes"
    assert "'auto'" in message and "fix: declare scale.maxSpotNodes" in message


def test_a_vm_size_the_emulator_catalog_lacks_is_unchecked_not_refused():
    need = PoolNeed("p", "Standard_Z9", 1, 0)
    demands, rows = quotas.pool_demands([need], SIZES, "westeurope", complete=False)
    report = quotas.evaluate(demands, account(), threshold=0.8, extra_rows=rows)
    assert report.failures == [] and [(r.subject, r.status) for r in rows] == [("Standard_Z9", "unchecked")]
    assert "--azure" in rows[0].fix
