"""`batch-infra emulator start`: the README recipe on a fresh clone; unusable folders named with the fix."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from batch_infra.errors import ExitCode

pytestmark = pytest.mark.emulator


def test_the_readme_recipe_creates_the_emulator_folder(tmp_path):
    """newcomer D3: `--state .emulator/state.db` failed on a fresh clone (no .emulator/)."""
    state, ready = tmp_path / ".emulator" / "state.db", tmp_path / ".emulator" / "ready.json"
    command = [sys.executable, "-m", "batch_infra", "emulator", "start", "--state", str(state)]
    process = subprocess.Popen([*command, "--ready-file", str(ready)], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ready.exists(), process.stderr.read() if process.poll() is not None else "not ready in 60 s"
        assert json.loads(ready.read_text())["arm_endpoint"].startswith("https://127.0.0.1:")
        assert state.exists()
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0


@pytest.mark.parametrize("option", ["--state", "--ready-file"])
def test_a_folder_that_cannot_be_made_is_named_with_the_fix(tmp_path, option):
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    result = subprocess.run(
        [sys.executable, "-m", "batch_infra", "emulator", "start", option, str(blocker / "x" / "y.db")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == ExitCode.INVALID, result.stderr
    assert f"error: {option} {blocker / 'x' / 'y.db'}: cannot create its folder" in result.stderr
    assert "fix: pass a path under a folder you can write to" in result.stderr
    assert "Traceback" not in result.stderr
