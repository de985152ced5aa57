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
    assert (report["stack"], report["account"], report["account_exists"], report["ok"]) == (
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
    assert f"quotas of Batch account {dev_account}, warning at 90%" in out
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
    code, out, _ = run(capsys, "--stack", "dev", "--json")
    report = json.loads(out)
    assert code == 0 and report["account_exists"] is False
    assert {r["status"] for r in report["rows"] if r["kind"] == "dedicated cores"} == {"unchecked"}
