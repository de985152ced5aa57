"""How `batch-infra preflight` runs: the embedded emulator boots while the stack is planned (once), the
total wall time is reported, and Ctrl-C stops the emulator's whole process group and exits 130."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from batch_infra.cli.main import main
from batch_infra.emulator.launch import Emulator, Options, StartAbandoned
from batch_infra.ops import embedded
from batch_infra.ops import plan as plan_module
from tests.cli.processes import children, gone, group_members, wait_until
from tests.fixtures.plans import PROJECT_DIR

pytestmark = pytest.mark.emulator


def test_the_emulator_starts_first_and_the_stack_is_planned_once(capsys, monkeypatch):
    monkeypatch.delenv("BATCH_INFRA_EMULATOR", raising=False)
    events: list[str] = []
    real_plan, real_popen = plan_module.plan_stack, subprocess.Popen

    def plan_stack(*args, **kwargs):
        events.append("plan")
        return real_plan(*args, **kwargs)

    def popen(command, *args, **kwargs):
        if command[3:5] == ["emulator", "start"]:
            events.append("emulator")
        return real_popen(command, *args, **kwargs)

    monkeypatch.setattr(plan_module, "plan_stack", plan_stack)
    monkeypatch.setattr(embedded.subprocess, "Popen", popen)
    code = main(["preflight", "--stack", "dev", "--json", "--project-dir", str(PROJECT_DIR)])
    result = json.loads(capsys.readouterr().out)["preflight"]
    assert code == 0 and events == ["emulator", "plan"]
    assert result["target"] == "embedded emulator (empty)"
    seconds = result["seconds"]
    assert seconds["total"] >= seconds["plan"] + seconds["target"] + seconds["read"]


def test_start_gives_up_when_stop_is_set(tmp_path):
    stop = threading.Event()
    stop.set()
    emulator = Emulator(Options(azurite=False, ready_file=tmp_path / "ready.json"))
    try:
        with pytest.raises(StartAbandoned):
            emulator.start(stop)
        assert not (tmp_path / "ready.json").exists() and emulator.server is None
    finally:
        emulator.stop()


def test_ctrl_c_while_the_embedded_emulator_starts_stops_its_group_and_exits_130(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "BATCH_INFRA_EMULATOR"}
    cli = _preflight_dev(env)
    try:
        deadline = time.monotonic() + 30
        while not (emulators := children(cli.pid)) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert emulators, "the embedded emulator was never started"
        [emulator] = emulators
        time.sleep(0.3)  # inside its start-up (Azurite takes longer than this to come up)
        os.killpg(cli.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the foreground group only
        _, err = cli.communicate(timeout=15)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    assert cli.returncode == 130, err.decode()
    assert "interrupted" in err.decode()
    assert group_members(emulator) == []  # the emulator and its Azurite are gone


def _preflight_held_with_its_emulator_up(tmp_path: Path) -> tuple[subprocess.Popen[bytes], dict, Path]:
    """`batch-infra preflight` in a subprocess (temp files under tmp_path), stopped (SIGSTOP) as soon as it
    has started its embedded emulator so it cannot finish first; returns once that emulator is ready."""
    env = {k: v for k, v in os.environ.items() if k != "BATCH_INFRA_EMULATOR"} | {"TMPDIR": str(tmp_path)}
    cli = _preflight_dev(env)
    try:
        assert wait_until(lambda: children(cli.pid), 30), "the embedded emulator was never started"
        os.kill(cli.pid, signal.SIGSTOP)
        assert wait_until(lambda: list(tmp_path.glob("batch-infra-embedded-*/ready.json")), 30)
    except BaseException:
        cli.kill()
        cli.wait()
        raise
    [ready] = tmp_path.glob("batch-infra-embedded-*/ready.json")
    assert ready.parent.name.startswith(f"{embedded.WORKDIR_PREFIX}{cli.pid}-")
    return cli, json.loads(ready.read_text()), ready.parent


def _emulator_and_azurite_gone(info: dict) -> bool:
    return gone(info["pid"]) and gone(info["azurite_pid"])


def test_sigterm_stops_the_embedded_emulator_removes_its_folder_and_exits_143(tmp_path):
    cli, info, workdir = _preflight_held_with_its_emulator_up(tmp_path)
    try:
        os.kill(cli.pid, signal.SIGTERM)
        os.kill(cli.pid, signal.SIGCONT)
        _, err = cli.communicate(timeout=30)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    assert cli.returncode == 143, err.decode()
    assert err.decode().strip().endswith("terminated by SIGTERM") and "Traceback" not in err.decode()
    assert wait_until(lambda: _emulator_and_azurite_gone(info), 10)
    assert not workdir.exists() and not list(tmp_path.glob("batch-infra-emulator-*"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_sigkill_takes_the_embedded_emulator_and_azurite_down_and_the_next_run_sweeps_the_folder(
    tmp_path, monkeypatch
):
    cli, info, workdir = _preflight_held_with_its_emulator_up(tmp_path)
    os.kill(cli.pid, signal.SIGKILL)  # no handler, no finally: only the kernel can tell the emulator
    cli.wait()
    assert wait_until(lambda: _emulator_and_azurite_gone(info), 10), "the emulator outlived the CLI"
    assert not list(tmp_path.glob("batch-infra-emulator-*"))  # the emulator cleaned up after itself
    assert workdir.exists()  # nobody was left to remove the CLI's own folder...

    class Started(Exception):
        pass

    def popen(*args, **kwargs):
        raise Started

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(embedded.subprocess, "Popen", popen)
    with pytest.raises(Started), embedded.embedded_emulator():
        pass
    assert not workdir.exists()  # ...until the next run started


def _preflight_dev(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`batch-infra preflight --stack dev` in its own process group, as a shell runs a foreground job."""
    return subprocess.Popen(
        [sys.executable, "-m", "batch_infra", "preflight", "--stack", "dev",
         "--project-dir", str(PROJECT_DIR)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
