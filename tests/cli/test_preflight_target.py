"""`batch-infra preflight` on the emulator: a fresh target plans create; one holding the stack, no change;
drift made out of band shows up as the update `pulumi up` would make (or the failure it would hit)."""

from __future__ import annotations

import json
import time

import pytest

from batch_infra.cli.main import main
from batch_infra.config import load_stack_file, stack_file
from batch_infra.ops import preflight as preflight_ops
from tests.cli.deploy_stack import deploy
from tests.fixtures.plans import PROJECT_DIR

pytestmark = pytest.mark.emulator
DEV = load_stack_file(stack_file("dev", PROJECT_DIR), environment="dev").config
NAMES = DEV.names()


def preflight(capsys, stack: str = "dev") -> tuple[int, dict]:
    code = main(["preflight", "--stack", stack, "--json", "--project-dir", str(PROJECT_DIR)])
    return code, json.loads(capsys.readouterr().out)["preflight"]


def arm_actions(result: dict) -> dict[str, str]:
    return {r["name"]: r["action"] for r in result["resources"] if r["type"].startswith("azure-native:")}


def wait_steady(emulator, pool_id: str) -> None:
    batch = emulator.batch_mgmt_client()
    for _ in range(200):
        pool = batch.pool.get(NAMES.resource_group, NAMES.batch_account, pool_id).as_dict()
        if pool["properties"]["allocationState"] == "Steady":
            return
        time.sleep(0.05)
    raise AssertionError(f"pool {pool_id} did not become steady")


def test_a_fresh_target_plans_create_and_says_images_wait_for_the_account(
    capsys, clean_emulator, emulator_env
):
    code, result = preflight(capsys)
    assert code == 0 and result["ok"]
    actions = {r["name"]: r["action"] for r in result["resources"]}
    assert actions["batch-rg"] == actions["batch-account-batch"] == actions["batch-network-vnet"] == "create"
    assert actions["batch-quota"] == "check"
    # Children of the account that does not exist yet are created, not "not compared".
    assert actions["batch-package-renderer-2.4.0"] == actions["batch-pool-dev-small"] == "create"
    [pool] = result["pools"]
    assert (pool["pool"], pool["action"]) == ("dev-small", "create")
    # No account anywhere in the subscription: nothing to list images from, and nothing is invented.
    assert pool["image"]["verdict"] == "unresolved" and pool["image"]["image"] is None
    assert result["imagesFrom"].startswith("resolved when the account exists")


def test_images_come_from_another_account_in_the_region_and_it_is_named(clean_emulator, planned):
    clean_emulator.resource_client().resource_groups.create_or_update("rg-other", {"location": "westeurope"})
    clean_emulator.batch_mgmt_client().batch_account.begin_create(
        "rg-other", "otherbatch", {"location": "westeurope", "properties": {}}
    ).result()
    result = preflight_ops.run(planned("dev"), clean_emulator.target)
    assert "Batch account otherbatch (resource group rg-other, same region)" in result.catalog_source
    image = result.pools[0].image
    assert (image.verdict, image.image) == ("ok", "canonical/ubuntu-24_04-lts/server")


def test_the_embedded_emulator_reads_its_catalog_through_a_throwaway_account(clean_emulator, planned):
    result = preflight_ops.run(planned("dev"), clean_emulator.target, scratch_catalog=True)
    # newcomer D16: "through a throwaway account preflightcatalog preflight created ..." read badly
    wording = "read through the scratch account preflightcatalog that preflight makes there"
    assert wording in result.catalog_source
    assert result.pools[0].image.node_agent_sku_id == "batch.node.ubuntu 24.04"
    # Only after the quotas were read: the throwaway account is not counted against the region.
    assert [r for r in result.quotas.rows if r.kind == "Batch accounts"][0].demand == 1
    accounts = clean_emulator.batch_mgmt_client().batch_account.list()
    assert [a.name for a in accounts] == ["preflightcatalog"]  # the stack's own account was never created


def test_a_target_holding_the_stack_reports_no_changes(capsys, clean_emulator, emulator_env, planned):
    deploy(clean_emulator, planned("dev"))
    clean_emulator.clear_requests()
    code, result = preflight(capsys)
    assert code == 0 and result["ok"]
    changed = [
        r for r in result["resources"] if r["type"].startswith("azure-native:") and r["action"] != "no change"
    ]
    assert changed == [], changed
    storage = next(r for r in result["resources"] if r["name"] == "batch-account-storage")
    assert "minimumTlsVersion" in storage["detail"] and "not compared" not in storage["detail"]
    [pool] = result["pools"]
    assert (pool["pool"], pool["action"]) == ("dev-small", "no change"), pool["detail"]
    assert pool["image"]["verdict"] == "ok" and result["imagesFrom"] == "Batch account contosodevbatch"
    listed = [r for r in clean_emulator.requests() if r["path"].endswith("/supportedimages")]
    assert len(listed) == 1  # one list per account per run


def test_a_pool_scaled_out_of_band_is_an_update_live(capsys, clean_emulator, emulator_env, planned):
    deploy(clean_emulator, planned("dev"))
    clean_emulator.batch_mgmt_client().pool.update(
        NAMES.resource_group,
        NAMES.batch_account,
        "dev-small",
        {"properties": {"scaleSettings": {"fixedScale": {"targetDedicatedNodes": 3}}}},
    )
    wait_steady(clean_emulator, "dev-small")
    code, result = preflight(capsys)
    pool = result["pools"][0]
    assert code == 0 and pool["action"] == "update live"
    assert "scale (properties.scaleSettings): update-live" in pool["detail"]


def test_a_vm_size_changed_out_of_band_fails_with_the_providers_guidance(
    capsys, clean_emulator, emulator_env, planned
):
    deploy(clean_emulator, planned("dev"))
    batch, group, account = clean_emulator.batch_mgmt_client(), NAMES.resource_group, NAMES.batch_account
    for properties in (
        {"scaleSettings": {"fixedScale": {"targetDedicatedNodes": 0}}},
        {"vmSize": "Standard_D4s_v5"},
        {"scaleSettings": {"fixedScale": {"targetDedicatedNodes": 1}}},
    ):
        batch.pool.update(group, account, "dev-small", {"properties": properties})
        wait_steady(clean_emulator, "dev-small")
    code, result = preflight(capsys)
    pool = result["pools"][0]
    assert code == 1 and not result["ok"] and pool["action"] == "fails"
    assert (
        "has 1 node(s)" in pool["detail"]
        and "vmSize (properties.vmSize): update-when-empty" in pool["detail"]
    )
    assert "scale the pool to 0 nodes" in pool["detail"] and "onImmutableChange: replace" in pool["detail"]


def test_storage_minimum_tls_changed_out_of_band_is_an_update(capsys, clean_emulator, emulator_env, planned):
    deploy(clean_emulator, planned("dev"))
    clean_emulator.storage_client().storage_accounts.update(
        NAMES.resource_group, NAMES.storage_account, {"minimum_tls_version": "TLS1_0"}
    )
    _, result = preflight(capsys)
    storage = next(r for r in result["resources"] if r["name"] == "batch-account-storage")
    assert storage["action"] == "update" and storage["detail"] == "minimumTlsVersion TLS1_0 -> TLS1_2"
    assert {a for n, a in arm_actions(result).items() if n != "batch-account-storage"} == {"no change"}


def test_a_quota_shortfall_exits_1(capsys, clean_emulator, emulator_env, planned):
    deploy(clean_emulator, planned("dev"))
    clean_emulator.set_quotas(NAMES.batch_account, dedicatedCoreQuota=0)
    code, result = preflight(capsys)
    assert code == 1 and not result["ok"] and result["pools"][0]["action"] == "no change"


def test_the_table_shows_images_with_their_verdict(
    capsys, clean_emulator, emulator_env, planned, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "200")
    deploy(clean_emulator, planned("dev"))
    code = main(["preflight", "--stack", "dev", "--project-dir", str(PROJECT_DIR)])
    out = capsys.readouterr().out
    assert code == 0
    assert "images (from Batch account contosodevbatch)" in out and "batch.node.ubuntu 24.04" in out


def test_a_new_account_with_zero_cores_fails_preflight_with_the_table_and_the_fix(
    capsys, clean_emulator, emulator_env, planned, monkeypatch
):
    clean_emulator.settings(new_accounts_zero_cores=True)  # Azure's worst case for a new account
    clean_emulator.resource_client().resource_groups.create_or_update(
        NAMES.resource_group, {"location": DEV.location}
    )
    clean_emulator.batch_mgmt_client().batch_account.begin_create(
        NAMES.resource_group, NAMES.batch_account, {"location": DEV.location, "properties": {}}
    ).result()  # the account exists (e.g. created by a first `pulumi up` that then timed out resizing)
    monkeypatch.setenv("COLUMNS", "80")
    code = main(["preflight", "--stack", "dev", "--project-dir", str(PROJECT_DIR)])
    text = " ".join(capsys.readouterr().out.split())
    assert code == 1 and "preflight checks failed" in text
    assert "standardDSv5Family" in text and "headroom" in text
    fix = "fail dedicated cores (standardDSv5Family): fix: request an increase of the standardDSv5Family"
    assert fix in text


def test_at_80_columns_names_are_whole_and_footnotes_complete(
    capsys, clean_emulator, emulator_env, planned, monkeypatch
):
    """prod has the longest names (a 58-character role assignment) and footnoted quota rows."""
    monkeypatch.setenv("COLUMNS", "80")
    code = main(["preflight", "--stack", "prod", "--project-dir", str(PROJECT_DIR)])
    out = capsys.readouterr().out
    assert code == 0
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    cells = {cell.strip() for line in out.splitlines() for cell in line.split("│")}
    for resource in planned("prod").resources:
        if resource.custom:
            assert resource.name in cells, resource.name
    text = " ".join(out.split())
    for note in (
        "[1] the Batch account does not exist yet, so its quotas are unknown (new accounts may start with 0 "
        "cores per family); `pulumi up` checks them once the account exists",
        "[2] a fixed Batch limit, not an account quota",
        "[3] the subscription's Batch accounts in westeurope; this stack's account will be created",
    ):
        assert note in text, note
    assert "standardDSv5Family" in text and "standardFSv2Family" in text
    assert "(total wall time)" in text


def test_a_preflight_validates_the_stack_file_once_and_analyses_each_formula_once(
    capsys, clean_emulator, emulator_env, monkeypatch
):
    from batch_infra.autoscale import validation
    from batch_infra.config import loader

    validated: list[str] = []
    validate = loader._validate

    def counting(values, source, problems):
        validated.append(source)
        return validate(values, source, problems)

    monkeypatch.setattr(loader, "_validate", counting)
    validation.analyse.cache_clear()
    code, result = preflight(capsys, "prod")
    assert code in (0, 1), result
    # The CLI validates the file once (the plan carries it to every later step); the program, run under
    # mocks as `pulumi up` would run it, validates what pulumi.Config hands it. Nothing else re-reads it.
    assert validated == ["stacks/Pulumi.prod.yaml"] * 2, validated
    prod = load_stack_file(stack_file("prod", PROJECT_DIR), environment="prod").config
    formulas = {p.scale.formula for p in prod.pools if p.scale.formula}
    analyses = validation.analyse.cache_info()
    assert len(formulas) == 2 and analyses.misses == len(formulas), analyses
    assert analyses.hits >= 3 * len(formulas)  # asked for by the model, the pool provider and the table
