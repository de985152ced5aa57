"""`batch-infra emulator deploy`: a stack put into the emulator as `pulumi up` would; commands on it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from batch_infra.cli.main import main
from batch_infra.errors import BatchInfraError
from batch_infra.ops.emulator_deploy import deploy, user_assigned_identities
from batch_infra.providers.azure_clients import EMULATOR_ENV, Target
from tests.fixtures.plans import PROJECT_DIR

pytestmark = pytest.mark.emulator


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main([*args, "--project-dir", str(PROJECT_DIR)])
    out, err = capsys.readouterr()
    return code, out, err


def test_dev_deployed_into_the_session_emulator_then_quota_reads_it(capsys, clean_emulator, emulator_env):
    code, out, err = run(capsys, "emulator", "deploy", "--stack", "dev", "--json")
    assert code == 0, err
    document = json.loads(out)
    created = {(r["type"], r["name"]) for r in document["created"]}
    assert ("azure-native:batch:BatchAccount", "batch-account-batch") in created
    assert ("pulumi-python:dynamic/pool:Pool", "batch-pool-dev-small") in created
    assert ("pulumi-python:dynamic/app_package:ApplicationPackage", "batch-package-renderer-2.4.0") in created
    assert document["notDeployed"] == []  # dev has no guard rails or private endpoints
    assert document["environment"][EMULATOR_ENV] == str(clean_emulator.ready_file.resolve())

    code, out, err = run(capsys, "quota", "--stack", "dev", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["accountExists"] is True
    rows = {(r["kind"], r["subject"]): r for r in report["rows"]}
    assert rows[("pools", "account total")]["demand"] == 1
    pools = clean_emulator.batch_mgmt_client().pool.list_by_batch_account(
        "rg-contoso-dev-batch", "contosodevbatch"
    )
    assert [p.name for p in pools] == ["dev-small"]

    # Again: ARM PUTs are idempotent and the pool and package providers adopt what is there unchanged.
    code, out, err = run(capsys, "emulator", "deploy", "--stack", "dev")
    assert code == 0, err
    assert f"export {EMULATOR_ENV}=" in out and "batch-infra quota --stack dev" in out


def test_without_an_emulator_it_says_how_to_start_one(capsys, monkeypatch):
    monkeypatch.delenv(EMULATOR_ENV, raising=False)
    code, _, err = run(capsys, "emulator", "deploy", "--stack", "dev")
    assert code == 2
    assert "batch-infra emulator start" in err and "--stack to deploy in one step" in err


def test_it_never_deploys_to_azure(planned):
    azure = Target("https://management.azure.com", "11111111-1111-1111-1111-111111111111", "azure")
    with pytest.raises(BatchInfraError, match="writes only to the local emulator"):
        deploy(azure, planned("dev"))


def test_prods_identities_are_named_in_the_targets_subscription(planned):
    target = Target("https://127.0.0.1:1", "dba69f97-0000-0000-0000-000000000001", "emulator")
    identities = user_assigned_identities(target, planned("prod"))
    assert identities and all(i.startswith(f"/subscriptions/{target.subscription_id}/") for i in identities)
    assert any(i.endswith("/userAssignedIdentities/id-contoso-batch-account") for i in identities)
    assert user_assigned_identities(target, planned("dev")) == []


def _start_with_stack(tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    ready = tmp_path / ".emulator" / "ready.json"
    command = [sys.executable, "-m", "batch_infra", "emulator", "start", "--ready-file", str(ready)]
    process = subprocess.Popen(
        [*command, "--stack", "dev", "--project-dir", str(PROJECT_DIR)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not ready.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ready.exists(), process.communicate(timeout=30) if process.poll() is not None else "not ready"
    return process, ready


def test_start_with_a_stack_serves_it_deployed_until_ctrl_c(tmp_path):
    process, ready = _start_with_stack(tmp_path)
    try:
        lines = []
        while not any(line.startswith("  export BATCH_INFRA_EMULATOR=") for line in lines):
            line = process.stdout.readline()  # the ready document, then the deployment's report
            assert line, process.stderr.read()
            lines.append(line)
        assert "stack dev deployed into the emulator" in "".join(lines)
        target = Target.from_ready_file(ready, polling_interval=0)
        from batch_infra.providers.azure_clients import batch_mgmt_client

        pools = batch_mgmt_client(target).pool.list_by_batch_account(
            "rg-contoso-dev-batch", "contosodevbatch"
        )
        assert [p.name for p in pools] == ["dev-small"]
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0


def test_ctrl_c_during_the_deployment_stops_it_and_the_emulator(tmp_path):
    process, _ = _start_with_stack(tmp_path)
    process.send_signal(signal.SIGINT)  # the deployment has just begun: it plans for seconds first
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err
