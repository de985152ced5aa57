"""QuotaCheck through the SDK's provider server (as the engine calls it) against the emulator."""

from __future__ import annotations

import base64

import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc

from batch_infra.providers.quota import TYPE, QuotaCheckProvider
from tests.providers.harness import ProviderHarness

pytestmark = pytest.mark.emulator

RG = "rg-quotacheck"
ACCOUNT = "quotacheckacct"
LOCATION = "westeurope"


@pytest.fixture
def account_id(clean_emulator, emulator_env):
    clean_emulator.resource_client().resource_groups.create_or_update(RG, {"location": LOCATION})
    account = (
        clean_emulator.batch_mgmt_client()
        .batch_account.begin_create(RG, ACCOUNT, {"location": LOCATION, "properties": {}})
        .result()
    )
    return account.id


@pytest.fixture
def provider(emulator_env):
    with ProviderHarness(QuotaCheckProvider(), name="dev-quota", urn_type=TYPE) as harness:
        yield harness


def inputs(account_id, *pools, threshold=0.8, applications=("renderer",)):
    return {
        "account_id": account_id,
        "location": LOCATION,
        "threshold": threshold,
        "applications": list(applications),
        "pools": [
            {"pool_id": p, "vm_size": size, "max_dedicated_nodes": n, "max_spot_nodes": spot}
            for p, size, n, spot in pools
        ],
    }


def test_a_family_over_quota_fails_check_with_the_table_and_the_fix(clean_emulator, account_id, provider):
    clean_emulator.set_quotas(
        ACCOUNT, dedicatedCoreQuotaPerVMFamily=[{"name": "standardFSv2Family", "coreQuota": 32}]
    )
    checked, failures = provider.check({}, inputs(account_id, ("render", "Standard_F16s_v2", 3, 0)))
    assert [f.property for f in failures] == ["pools"]
    reason = failures[0].reason
    assert "family / scope" in reason and "headroom" in reason
    assert "standardFSv2Family  48" in reason and "-16" in reason
    assert "fix (dedicated cores, standardFSv2Family): request an increase" in reason
    assert "render: 3 x 16 vCPUs (Standard_F16s_v2)" in reason
    assert checked["report"]["ok"] is False


def test_an_unchanged_stack_diffs_clean_and_a_moved_quota_is_a_change(clean_emulator, account_id, provider):
    news = inputs(account_id, ("dev-small", "Standard_D2s_v5", 1, 0))
    checked, failures = provider.check({}, news)
    assert failures == []
    resource_id, outs = provider.create(checked)
    assert resource_id == f"{account_id}/quotaCheck"
    assert outs["report"]["ok"] is True and outs["warnings"] == []
    again, _ = provider.check(outs, news)
    assert provider.diff(resource_id, outs, again).changes is False

    clean_emulator.set_quotas(
        ACCOUNT, dedicatedCoreQuotaPerVMFamily=[{"name": "standardDSv5Family", "coreQuota": 2}]
    )
    moved, failures = provider.check(outs, news)
    assert failures == []
    assert provider.diff(resource_id, outs, moved).changes is True
    updated = provider.update(resource_id, outs, moved)
    assert updated["warnings"] == [
        "dedicated cores (standardDSv5Family): 2 of 2 (warn); dev-small: 1 x 2 vCPUs (Standard_D2s_v5)"
    ]


def test_numbers_moving_outside_the_stack_are_no_change_while_the_verdict_holds(
    clean_emulator, account_id, provider
):
    news = inputs(account_id, ("dev-small", "Standard_D2s_v5", 1, 0))
    checked, _ = provider.check({}, news)
    resource_id, outs = provider.create(checked)
    # Someone raises a quota and adds a small pool outside the stack: rows move, nothing fails or warns.
    clean_emulator.set_quotas(ACCOUNT, dedicatedCoreQuota=900, poolQuota=150)
    moved, failures = provider.check(outs, news)
    assert failures == [] and moved["report"] != outs["report"]
    assert provider.diff(resource_id, outs, moved).changes is False
    # The stack's own input still counts.
    grown, _ = provider.check(outs, inputs(account_id, ("dev-small", "Standard_D2s_v5", 2, 0)))
    assert provider.diff(resource_id, outs, grown).changes is True


def test_refresh_grades_again_against_todays_quotas(clean_emulator, account_id, provider):
    checked, _ = provider.check({}, inputs(account_id, ("p", "Standard_D2s_v5", 4, 0)))
    resource_id, outs = provider.create(checked)
    clean_emulator.set_quotas(ACCOUNT, dedicatedCoreQuota=4)
    _, refreshed, _ = provider.read(resource_id, outs)
    total = next(
        r
        for r in refreshed["report"]["rows"]
        if r["kind"] == "dedicated cores" and r["subject"] == "account total"
    )
    assert (total["demand"], total["quota"], total["status"]) == (8, 4, "fail")
    provider.delete(resource_id, refreshed)


def test_preview_before_the_account_exists_checks_nothing_yet(provider):
    checked, failures = provider.check({}, inputs(rpc.UNKNOWN, ("p", "Standard_D2s_v5", 1, 0)))
    assert failures == [] and checked.get("report") is None


def test_malformed_inputs_name_the_property(provider):
    bad = inputs("not-an-id", ("p", "Standard_D2s_v5", -1, 0), threshold=1.5)
    _, failures = provider.check({}, bad)
    assert sorted(f.property for f in failures) == ["account_id", "pools[0]", "threshold"]


def test_an_unreachable_account_is_a_check_failure_naming_it(clean_emulator, emulator_env, provider):
    missing = (
        f"/subscriptions/{clean_emulator.info['subscription_id']}/resourceGroups/rg-none/providers/"
        "Microsoft.Batch/batchAccounts/nosuchacct"
    )
    checked, failures = provider.check({}, inputs(missing, ("p", "Standard_D2s_v5", 1, 0)))
    # A missing account is "not created yet", never zero quota: cores are unchecked, the rest graded.
    assert failures == []
    assert {r["status"] for r in checked["report"]["rows"] if r["kind"] == "dedicated cores"} == {"unchecked"}


def test_the_pickled_provider_is_small_and_refers_to_the_installed_module():
    pickled = base64.b64decode(serialize_provider(QuotaCheckProvider()))
    assert len(pickled) < 400
    assert b"batch_infra.providers.quota" in pickled and b"read_report" not in pickled
