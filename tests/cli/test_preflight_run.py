"""How `batch-infra preflight` runs: the embedded emulator boots while the stack is planned (once), the
total wall time is reported, and Ctrl-C stops the emulator's whole process group and exits 130."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from batch_infra.cli.main import main
from batch_infra.emulator.launch import Emulator, Options, StartAbandoned
from batch_infra.ops import embedded
from batch_infra.ops import plan as plan_module
from tests.cli.processes import children, group_members
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
    cli = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "batch_infra",
            "preflight",
            "--stack",
            "dev",
            "--project-dir",
            str(PROJECT_DIR),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,  # our own "terminal" group, as a shell gives a foreground job
    )
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
