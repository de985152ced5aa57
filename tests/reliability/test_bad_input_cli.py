"""Bad input found only while the program runs: one message with its fix, and nothing printed after it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_unreadable_package_zip_ends_with_the_fix_and_no_asyncio_noise(tmp_path):
    # The error is raised inside the program under Pulumi's runtime; pending runtime tasks must not print
    # "Task exception was never retrieved" or a traceback at exit, after the user's message.
    shutil.copytree(EXAMPLES, tmp_path / "project")
    project = tmp_path / "project"
    (project / "bad.zip").write_text("not a zip")
    stack = project / "stacks" / "Pulumi.gallery.yaml"
    stack.write_text(
        stack.read_text()
        + '  batch-infra:applications:\n    - id: tools\n      packages:\n        "1.0": ./bad.zip\n'
    )
    run = subprocess.run(
        [sys.executable, "-m", "batch_infra.cli.main", "preflight", "--offline", "--stack", "gallery"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert "bad.zip is not a readable zip" in output and "fix: rebuild the .zip" in output, output
    for noise in ("Traceback", "Task exception", "asyncio", "never retrieved", "Exception ignored"):
        assert noise not in output, output
    assert output.rstrip().endswith("point the version at a folder"), output
