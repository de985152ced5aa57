"""The real Pulumi CLI against Azure: preview, up, preview expecting no changes, refresh, destroy.

Runs only where the `pulumi` CLI and Azure credentials exist (never on the build machine). State goes to a
local file backend in a temporary directory (`pulumi login file://...`, what `pulumi login --local` does
for ~/.pulumi). The whole project is copied there (so the checked-in stack files are never touched) with
Pulumi.yaml unchanged: its relative `virtualenv: .venv` must resolve in the copy exactly as in a checkout,
for the program and for the dynamic-provider plugin, so the copy's .venv links to this checkout's.
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
        "no `pulumi` executable on PATH, so the Pulumi CLI cannot run here; install it "
        "(https://www.pulumi.com/docs/install/) to run this end-to-end test",
        allow_module_level=True,
    )
if not (os.environ.get("ARM_SUBSCRIPTION_ID") or os.environ.get("AZURE_SUBSCRIPTION_ID")):
    pytest.skip(
        "neither ARM_SUBSCRIPTION_ID nor AZURE_SUBSCRIPTION_ID is set, and this end-to-end test creates "
        "real Azure resources: set both credential families (README, Deploying for real) to run it",
        allow_module_level=True,
    )

# Not part of the project: build output, caches, this checkout's git link, Azurite's node modules.
NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "*.egg-info",
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
    shutil.copytree(PROJECT_DIR, target, ignore=NOT_COPIED)
    (target / ".venv").symlink_to(PROJECT_DIR / ".venv", target_is_directory=True)
    stack_path = target / "stacks" / "Pulumi.dev.yaml"
    stack = yaml.safe_load(stack_path.read_text())
    # Storage and Batch account names are global: a unique prefix keeps runs from colliding.
    stack["config"]["batch-infra:naming"] = {"prefix": prefix}
    stack_path.write_text(yaml.safe_dump(stack))
    return target


def test_preview_up_no_changes_refresh_destroy(tmp_path):
    project = copy_project(tmp_path / "project", prefix="e2e" + uuid.uuid4().hex[:6])
    options = yaml.safe_load((project / "Pulumi.yaml").read_text())["runtime"]["options"]
    assert options["virtualenv"] == ".venv" and (project / "__main__.py").is_file()
    state = tmp_path / "state"
    state.mkdir()
    env = {**os.environ, "PULUMI_BACKEND_URL": f"file://{state}", "PULUMI_CONFIG_PASSPHRASE": "e2e"}
    pulumi(project, env, "stack", "init", "dev", "--secrets-provider", "passphrase")
    try:
        pulumi(project, env, "preview", "--stack", "dev")  # the first preview: everything unknown
        pulumi(project, env, "up", "--yes", "--stack", "dev")
        outputs = pulumi(project, env, "stack", "output", "--json", "--stack", "dev").stdout
        assert "batch.azure.com" in outputs and "Key" not in outputs
        pulumi(project, env, "preview", "--expect-no-changes", "--stack", "dev")
        pulumi(project, env, "refresh", "--yes", "--stack", "dev")
        pulumi(project, env, "preview", "--expect-no-changes", "--stack", "dev")
    finally:
        pulumi(project, env, "destroy", "--yes", "--stack", "dev")
        pulumi(project, env, "stack", "rm", "--yes", "dev")
