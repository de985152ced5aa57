"""The real Pulumi CLI against Azure: `pulumi up`, `pulumi preview` expecting no changes, `pulumi destroy`.

Runs only where the `pulumi` CLI and Azure credentials exist (never on the build machine). State goes to a
local file backend in a temporary directory (`pulumi login file://...`, what `pulumi login --local` does
for ~/.pulumi), and the project is copied there so the checked-in stack files are never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import yaml

from tests.fixtures.plans import PROJECT_DIR

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

if shutil.which("pulumi") is None:
    pytest.skip(
        "the Pulumi CLI (`pulumi`) is not on PATH; install it to run the end-to-end test",
        allow_module_level=True,
    )
if not (os.environ.get("ARM_SUBSCRIPTION_ID") or os.environ.get("AZURE_SUBSCRIPTION_ID")):
    pytest.skip(
        "no Azure subscription configured (ARM_SUBSCRIPTION_ID / AZURE_SUBSCRIPTION_ID); "
        "the end-to-end test creates real resources",
        allow_module_level=True,
    )


def pulumi(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["pulumi", *args, "--non-interactive", "--cwd", str(project)],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert done.returncode == 0, f"pulumi {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def copy_project(target: Path, prefix: str) -> Path:
    project = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())
    # The copy uses this checkout's virtualenv.
    project["runtime"]["options"]["virtualenv"] = str(PROJECT_DIR / ".venv")
    (target / "Pulumi.yaml").write_text(yaml.safe_dump(project))
    shutil.copytree(PROJECT_DIR / "packages", target / "packages")
    (target / "stacks").mkdir()
    stack = yaml.safe_load((PROJECT_DIR / "stacks" / "Pulumi.dev.yaml").read_text())
    # Storage and Batch account names are global: a unique prefix keeps runs from colliding.
    stack["config"]["batch-infra:naming"] = {"prefix": prefix}
    (target / "stacks" / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack))
    return target


def test_up_then_preview_shows_no_changes_then_destroy(tmp_path):
    project = copy_project(tmp_path / "project", prefix="e2e" + uuid.uuid4().hex[:6])
    state = tmp_path / "state"
    state.mkdir()
    env = {**os.environ, "PULUMI_BACKEND_URL": f"file://{state}", "PULUMI_CONFIG_PASSPHRASE": "e2e"}
    pulumi(project, env, "stack", "init", "dev", "--secrets-provider", "passphrase")
    try:
        pulumi(project, env, "up", "--yes", "--skip-preview", "--stack", "dev")
        outputs = pulumi(project, env, "stack", "output", "--json", "--stack", "dev").stdout
        assert "batch.azure.com" in outputs and "Key" not in outputs
        pulumi(project, env, "preview", "--expect-no-changes", "--stack", "dev")
    finally:
        pulumi(project, env, "destroy", "--yes", "--skip-preview", "--stack", "dev")
        pulumi(project, env, "stack", "rm", "--yes", "dev")
