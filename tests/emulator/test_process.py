"""The emulator as a process: ready file, persistence across restarts with --state, Azurite SAS uploads."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from batch_infra.emulator.azurite import Azurite
from batch_infra.emulator.launch import Emulator, Options, remove_dead_workdirs
from batch_infra.errors import BatchInfraError, ExitCode
from batch_infra.providers.azure_clients import EMULATOR_ENV, Target, blob_client_from_sas
from tests.cli.processes import children, group_members, wait_until
from tests.emulator.batch.helpers import RG, make_account, pool_body
from tests.fixtures.emulator import EmulatorProcess

pytestmark = pytest.mark.emulator


def test_ready_file_names_every_endpoint(emulator):
    info = json.loads(emulator.ready_file.read_text())
    assert {
        "arm_endpoint",
        "ca_bundle",
        "token",
        "subscription_id",
        "tenant_id",
        "blob_endpoint",
        "admin_endpoint",
    } <= set(info)
    assert info["arm_endpoint"].startswith("https://127.0.0.1:")
    assert info["admin_endpoint"] == info["arm_endpoint"] + "/admin"
    assert info["blob_endpoint"].startswith("http://127.0.0.1:")


def test_target_from_environment_uses_the_ready_file(emulator_env):
    target = Target.from_environment()
    assert target.is_emulator and target.polling_interval == 0
    assert target.arm_endpoint == emulator_env.info["arm_endpoint"]


def test_target_without_emulator_or_subscription_says_what_to_set(monkeypatch):
    monkeypatch.delenv(EMULATOR_ENV, raising=False)
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID", raising=False)
    with pytest.raises(Exception, match="AZURE_SUBSCRIPTION_ID"):
        Target.from_environment()


def test_state_survives_a_restart(tmp_path):
    state = tmp_path / "emulator.db"
    first = EmulatorProcess(tmp_path / "run", state=state).start()
    try:
        first.resource_client().resource_groups.create_or_update("rg-keep", {"location": "westeurope"})
        storage = first.storage_client()
        storage.storage_accounts.begin_create(
            "rg-keep", "stkeep", {"location": "westeurope", "sku": {"name": "Standard_LRS"}}
        ).result()
        keys = [k.value for k in storage.storage_accounts.list_keys("rg-keep", "stkeep").keys]
        subscription = first.info["subscription_id"]
    finally:
        first.stop()
    assert not first.ready_file.exists()
    second = EmulatorProcess(tmp_path / "run", state=state).start()
    try:
        assert second.info["subscription_id"] == subscription
        assert second.resource_client().resource_groups.get("rg-keep").location == "westeurope"
        again = second.storage_client().storage_accounts
        assert again.get_properties("rg-keep", "stkeep").provisioning_state == "Succeeded"
        assert [k.value for k in again.list_keys("rg-keep", "stkeep").keys] == keys
    finally:
        second.stop()


PACKAGE = b"PK\x05\x06" + bytes(18)  # an empty zip


def _batch_estate(emulator: EmulatorProcess) -> None:
    """Account with auto-storage, a pool, and an uploaded, activated, default application package."""
    make_account(emulator, storage="stpersist")
    batch = emulator.batch_mgmt_client()
    batch.pool.create(RG, "batchacct", "pool1", pool_body(dedicated=0))
    batch.application.create(RG, "batchacct", "tool", {})
    package = batch.application_package.create(RG, "batchacct", "tool", "1.0")
    blob_client_from_sas(package.storage_url).upload_blob(PACKAGE)
    batch.application_package.activate(RG, "batchacct", "tool", "1.0", {"format": "zip"})
    batch.application.update(RG, "batchacct", "tool", {"properties": {"defaultVersion": "1.0"}})


def _free_port_other_than(port: int) -> int:
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            if probe.getsockname()[1] != port:
                return probe.getsockname()[1]


def _state_texts(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as db:
        return list(db.execute("SELECT collection, key, body FROM docs"))


def test_batch_state_survives_a_restart_on_a_new_port(tmp_path):
    state = tmp_path / "emulator.db"
    first = EmulatorProcess(tmp_path / "run", state=state).start()
    try:
        _batch_estate(first)
        first.advance_clock(600)  # within SharedKey's 15-minute request-date window
        old_endpoints = [first.info["arm_endpoint"], first.info["blob_endpoint"]]
    finally:
        first.stop()
    # State names resources, never this process's endpoints, ports or SAS tokens.
    for collection, key, body in _state_texts(state):
        leaked = [e for e in (*old_endpoints, "127.0.0.1", "sig=") if e.split("//")[-1] in body]
        assert not leaked, f"state {collection}/{key} stores {leaked}: {body[:300]}"
    port = _free_port_other_than(int(old_endpoints[0].rsplit(":", 1)[1]))
    second = EmulatorProcess(tmp_path / "run", state=state, port=port).start()
    try:
        assert second.info["arm_endpoint"] == f"https://127.0.0.1:{port}"
        assert second.admin("GET", "/clock")["offset_seconds"] == 600
        batch = second.batch_mgmt_client()
        account = batch.batch_account.get(RG, "batchacct")
        assert account.account_endpoint == f"127.0.0.1:{port}/batch/westeurope/batchacct"
        listed = {a.name: a.account_endpoint for a in batch.batch_account.list_by_resource_group(RG)}
        assert listed == {"batchacct": account.account_endpoint}
        key = batch.batch_account.get_keys(RG, "batchacct").primary
        pool = second.batch_data_client(account.account_endpoint, key).get_pool("pool1")
        assert pool.id == "pool1" and pool.vm_size.lower() == "standard_d2s_v5"
        package = batch.application_package.get(RG, "batchacct", "tool", "1.0")
        assert package.state == "Active"
        assert package.storage_url.startswith(second.info["blob_endpoint"])
        assert blob_client_from_sas(package.storage_url).download_blob().readall() == PACKAGE
        assert batch.application.get(RG, "batchacct", "tool").default_version == "1.0"
    finally:
        second.stop()


def test_sas_upload_goes_straight_to_azurite(tmp_path):
    azurite = Azurite(tmp_path / "azurite")
    blob = azurite.start()
    try:
        blob.ensure_container("stbatch", "app-demo")
        blob.ensure_container("stbatch", "app-demo")  # idempotent
        expiry = datetime.now(UTC) + timedelta(hours=1)
        url = blob.sas_url("stbatch", "app-demo", "demo/1.0.zip", permission="rcw", expiry=expiry)
        assert not blob.blob_exists("stbatch", "app-demo", "demo/1.0.zip")
        blob_client_from_sas(url).upload_blob(b"PK\x05\x06" + bytes(18))
        assert blob.blob_exists("stbatch", "app-demo", "demo/1.0.zip")
        with pytest.raises(Exception, match="not a valid container name"):
            blob.sas_url("stbatch", "Bad--Name", None, permission="r", expiry=expiry)
    finally:
        azurite.stop()


def _gone(pid: int) -> bool:
    """True once `pid` has exited (a zombie nobody reaped yet counts as exited)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "State:\tZ" in status


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_a_killed_emulator_takes_azurite_with_it(tmp_path):
    process = EmulatorProcess(tmp_path / "run").start()
    azurite_pid = process.info["azurite_pid"]
    try:
        assert azurite_pid and not _gone(azurite_pid)
        os.kill(process.pid, signal.SIGKILL)  # no handler, no atexit: only the kernel can tell Azurite
        deadline = time.monotonic() + 15
        while not _gone(azurite_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _gone(azurite_pid), "Azurite outlived the emulator that started it"
    finally:
        process.stop()


def test_a_failed_start_leaves_no_stale_ready_file(tmp_path):
    ready = tmp_path / "ready.json"
    ready.write_text('{"arm_endpoint": "https://127.0.0.1:1"}')  # left by an emulator that was killed
    not_sqlite = tmp_path / "state.txt"
    not_sqlite.write_text("not a database\n" * 100)
    emulator = Emulator(Options(state=not_sqlite, ready_file=ready, azurite=False))
    with pytest.raises(BatchInfraError, match="--state") as refused:
        emulator.start()
    emulator.stop()
    assert str(not_sqlite) in str(refused.value) and refused.value.fix
    assert not ready.exists()


def test_work_directories_of_dead_emulators_are_removed(tmp_path):
    dead = tmp_path / "batch-infra-emulator-999999999-abc"  # no such pid
    mine = tmp_path / f"batch-infra-emulator-{os.getpid()}-def"
    other = tmp_path / "something-else"
    for path in (dead, mine, other):
        (path / "tls").mkdir(parents=True)
    assert remove_dead_workdirs(tmp_path) == [dead]
    assert not dead.exists() and mine.exists() and other.exists()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "batch_infra", "emulator", "start", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_start_refuses_bad_input_without_a_traceback(tmp_path):
    out_of_range = _cli("--port", "70000")
    assert out_of_range.returncode == ExitCode.USAGE and "65535" in out_of_range.stderr
    not_sqlite = tmp_path / "state.txt"
    not_sqlite.write_text("not a database\n" * 100)
    bad_state = _cli("--state", str(not_sqlite))
    assert bad_state.returncode == ExitCode.INVALID, bad_state.stderr
    assert f"--state {not_sqlite}" in bad_state.stderr and "fix:" in bad_state.stderr
    assert "Traceback" not in bad_state.stderr


def test_a_port_in_use_exits_3_naming_the_port(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _cli("--port", str(port), "--ready-file", str(tmp_path / "ready.json"))
    assert result.returncode == ExitCode.AZURE, result.stderr
    assert f"--port {port}" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "ready.json").exists()


def test_ctrl_c_before_ready_exits_130_not_an_azurite_failure(tmp_path):
    """A terminal's Ctrl-C signals the whole foreground group, so Azurite exits during the emulator's start:
    that is the interrupt, not an Azurite that failed to start (exit 3)."""
    command = [sys.executable, "-m", "batch_infra", "emulator", "start", "--ready-file", str(tmp_path / "r")]
    emulator = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert wait_until(lambda: children(emulator.pid), 30), "the emulator never started Azurite"
        assert not (tmp_path / "r").exists()  # still starting: Azurite takes longer than our poll
        os.killpg(emulator.pid, signal.SIGINT)
        _, err = emulator.communicate(timeout=30)
    finally:
        if emulator.poll() is None:
            os.killpg(emulator.pid, signal.SIGKILL)
            emulator.wait()
    assert emulator.returncode == 130, err
    assert "interrupted before the emulator was ready" in err and "Azurite" not in err
    assert group_members(emulator.pid) == []


def test_ctrl_c_once_ready_is_a_normal_stop(tmp_path):
    process = EmulatorProcess(tmp_path / "run").start()
    try:
        os.killpg(process.pid, signal.SIGINT)
        assert process._process.wait(timeout=30) == 0  # type: ignore[union-attr]
    finally:
        process.stop()
    assert not process.ready_file.exists()
