"""`batch-infra quota`: table and --json against the emulator, exit 1 on a shortfall, the embedded default."""

from __future__ import annotations

import json

import pytest

from batch_infra.cli.main import main
from batch_infra.config import load_stack_file, stack_file
from tests.fixtures.plans import PROJECT_DIR

pytestmark = pytest.mark.emulator

DEV = load_stack_file(stack_file("dev", PROJECT_DIR), environment="dev").config


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["quota", "--project-dir", str(PROJECT_DIR), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def dev_account(clean_emulator, emulator_env):
    names = DEV.names()
    clean_emulator.resource_client().resource_groups.create_or_update(
        names.resource_group, {"location": DEV.location}
    )
    clean_emulator.batch_mgmt_client().batch_account.begin_create(
        names.resource_group, names.batch_account, {"location": DEV.location, "properties": {}}
    ).result()
    return names.batch_account


def test_json_lists_every_row_of_the_dev_stack(capsys, dev_account):
    code, out, _ = run(capsys, "--stack", "dev", "--json")
    assert code == 0
    report = json.loads(out)
    assert (report["stack"], report["account"], report["accountExists"], report["ok"]) == (
        "dev",
        dev_account,
        True,
        True,
    )
    rows = {(r["kind"], r["subject"]): r for r in report["rows"]}
    family = rows[("dedicated cores", "standardDSv5Family")]
    assert (family["demand"], family["quota"], family["headroom"], family["status"]) == (2, 100, 98, "ok")
    assert rows[("pools", "account total")]["demand"] == 1
    assert rows[("Batch accounts", DEV.location)]["demand"] == 1


def test_a_shortfall_exits_1_with_the_table_and_the_fix(capsys, clean_emulator, dev_account):
    clean_emulator.set_quotas(
        dev_account, dedicatedCoreQuotaPerVMFamily=[{"name": "standardDSv5Family", "coreQuota": 0}]
    )
    code, out, _ = run(capsys, "--stack", "dev")
    assert code == 1
    title = f"quotas of Batch account {dev_account} on emulator at {clean_emulator.info['arm_endpoint']}"
    assert title in " ".join(out.split()) and "warning at 90%" in out
    assert "standardDSv5Family" in out and "fail" in out
    assert "fix: request an increase of the standardDSv5Family dedicated core quota" in " ".join(out.split())


def test_a_config_error_exits_1_naming_the_file(capsys, tmp_path):
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.bad.yaml").write_text("config:\n  batch-infra:naming: {prefix: X}\n")
    code = main(["quota", "--stack", "bad", "--project-dir", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 1 and "Pulumi.bad.yaml" in err


def test_by_default_an_embedded_emulator_is_started_for_the_run(capsys, monkeypatch):
    monkeypatch.delenv("BATCH_INFRA_EMULATOR", raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    code, out, _ = run(capsys, "--stack", "dev", "--json")
    report = json.loads(out)
    assert code == 0 and report["accountExists"] is False
    assert report["target"] == "embedded emulator (empty)"
    assert {r["status"] for r in report["rows"] if r["kind"] == "dedicated cores"} == {"unchecked"}
    assert "nothing account-level could be checked" in report["verdict"]
    assert "--azure" in report["verdict"] and "BATCH_INFRA_EMULATOR" in report["verdict"]
    code, out, _ = run(capsys, "--stack", "dev")
    text = " ".join(out.split())
    assert code == 0 and "on embedded emulator (empty)" in text
    assert "verdict: nothing account-level could be checked" in text and "add --azure" in text


def test_the_target_is_named_in_json(capsys, clean_emulator, dev_account):
    _, out, _ = run(capsys, "--stack", "dev", "--json")
    report = json.loads(out)
    assert report["target"] == f"emulator at {clean_emulator.info['arm_endpoint']}"
    assert report["verdict"] is None


def test_active_jobs_are_an_informational_row(capsys, dev_account):
    _, out, _ = run(capsys, "--stack", "dev", "--json")
    [jobs] = [r for r in json.loads(out)["rows"] if r["kind"] == "active jobs and job schedules"]
    assert (jobs["demand"], jobs["quota"], jobs["status"]) == (0, 300, "ok")
    assert jobs["note"].startswith("informational: the stack creates no jobs")


def test_a_warn_row_is_explained(capsys, clean_emulator, dev_account):
    clean_emulator.set_quotas(dev_account, lowPriorityCoreQuota=100, dedicatedCoreQuota=2)
    code, out, _ = run(capsys, "--stack", "dev")
    text = " ".join(out.split())
    assert code == 0
    assert "warn dedicated cores (account total): 2 of 2 (no headroom) is at or above the warning" in text
    assert "request an increase ahead of time" in text


def test_a_new_account_with_zero_cores_fails_with_the_table_and_the_fix(capsys, clean_emulator, emulator_env):
    """The emulator's worst-case profile for a new account (setting new_accounts_zero_cores)."""
    clean_emulator.settings(new_accounts_zero_cores=True)
    names = DEV.names()
    clean_emulator.resource_client().resource_groups.create_or_update(
        names.resource_group, {"location": DEV.location}
    )
    clean_emulator.batch_mgmt_client().batch_account.begin_create(
        names.resource_group, names.batch_account, {"location": DEV.location, "properties": {}}
    ).result()
    code, out, _ = run(capsys, "--stack", "dev")
    text = " ".join(out.split())
    assert code == 1
    assert "standardDSv5Family" in text and "headroom" in text
    fix = "fail dedicated cores (standardDSv5Family): fix: request an increase of the standardDSv5Family"
    assert fix in text
    assert "fail dedicated cores (account total): fix: request an increase of dedicatedCoreQuota" in text
