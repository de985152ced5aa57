"""preflight's Pulumi-style plan against the emulator: every step and the summary line for a deployed stack,
a pool and a package version the config no longer declares (deletes inferred, or exact from the state)."""

from __future__ import annotations

import json

import pytest

from batch_infra.cli.main import main
from tests.cli.deploy_stack import deploy
from tests.cli.test_preflight_target import NAMES, preflight
from tests.fixtures.plans import PROJECT_DIR

pytestmark = pytest.mark.emulator


def ops(result: dict) -> dict[str, str]:
    return {s["name"]: s["op"] for s in result["steps"]}


def test_a_deployed_stack_is_every_step_unchanged_with_the_summary_line(
    capsys, clean_emulator, emulator_env, planned
):
    plan = planned("dev")
    deploy(clean_emulator, plan)
    code, result = preflight(capsys)
    assert code == 0
    assert set(ops(result).values()) == {"same"}, result["steps"]
    total = len(plan.resources) + 1  # and the stack resource
    assert result["summary"] == {
        "create": 0,
        "update": 0,
        "replace": 0,
        "delete": 0,
        "same": total,
        "fails": 0,
    }
    assert result["summaryLine"] == f"0 to create, 0 to update, 0 to replace, 0 to delete, {total} unchanged"


def test_what_the_account_holds_beyond_the_config_is_deleted_and_said_to_be_inferred(
    capsys, clean_emulator, emulator_env, planned
):
    deploy(clean_emulator, planned("dev"))
    batch = clean_emulator.batch_mgmt_client()
    body = batch.pool.get(NAMES.resource_group, NAMES.batch_account, "dev-small").as_dict()
    batch.pool.create(
        NAMES.resource_group,
        NAMES.batch_account,
        "dev-removed",
        {
            "properties": {
                "vmSize": body["properties"]["vmSize"],
                "deploymentConfiguration": body["properties"]["deploymentConfiguration"],
            }
        },
    )
    batch.application_package.create(NAMES.resource_group, NAMES.batch_account, "renderer", "0.9.0")
    code, result = preflight(capsys)
    deletes = [s for s in result["steps"] if s["op"] == "delete"]
    assert {s["name"] for s in deletes} == {"batch-pool-dev-removed", "batch-package-renderer-0.9.0"}
    assert all("inferred" in s["detail"] for s in deletes)
    assert result["summary"]["delete"] == 2 and "2 to delete" in result["summaryLine"]
    assert result["managedFrom"] == "inferred from the stack's Batch account"


def test_with_the_state_deletes_are_exactly_what_it_holds_and_the_config_dropped(
    capsys, clean_emulator, emulator_env, planned, tmp_path
):
    plan = planned("dev")
    deploy(clean_emulator, plan)
    pool = next(r for r in plan.resources if r.name == "batch-pool-dev-small")
    gone = pool.urn.replace("batch-pool-dev-small", "batch-pool-dev-old")
    resources = [{"urn": plan.stack_urn, "type": "pulumi:pulumi:Stack"}]
    resources += [{"urn": r.urn, "type": r.type, "custom": r.custom} for r in plan.resources]
    resources.append({"urn": gone, "type": pool.type, "custom": True})
    state = tmp_path / "dev.json"
    state.write_text(json.dumps({"version": 3, "deployment": {"resources": resources}}))
    code = main(
        ["preflight", "-s", "dev", "--json", "--state", str(state), "--project-dir", str(PROJECT_DIR)]
    )
    result = json.loads(capsys.readouterr().out)["preflight"]
    assert code == 0
    assert [(s["op"], s["urn"]) for s in result["steps"] if s["op"] != "same"] == [("delete", gone)]
    assert result["managedFrom"] == f"the stack's state ({state})"


def test_the_table_lists_pulumi_symbols_and_ends_with_the_summary(
    capsys, clean_emulator, emulator_env, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["preflight", "-s", "dev", "--project-dir", str(PROJECT_DIR)]) == 0
    out = capsys.readouterr().out
    assert "+ create" in out
    assert "Resources: 15 to create, 0 to update, 0 to replace, 0 to delete, 0 unchanged" in " ".join(
        out.split()
    )
