"""scripts/setup.sh checks its prerequisites first and says how to install each, before any pip run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BASH = shutil.which("bash") or "/bin/bash"


def _fake_path(tmp_path: Path, *tools: str) -> str:
    """A PATH with a Python 3.11+ and the named tools only (no node, no npm unless named)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    for tool in tools:
        (bin_dir / tool).symlink_to(shutil.which(tool) or pytest.skip(f"{tool} not on this machine"))
    return str(bin_dir)


def _project_copy(tmp_path: Path) -> Path:
    """setup.sh with the two files its stamp hashes, in a folder with no .venv (a fresh clone)."""
    root = tmp_path / "clone"
    (root / "scripts").mkdir(parents=True)
    shutil.copy2(REPO / "scripts" / "setup.sh", root / "scripts" / "setup.sh")
    for name in ("pyproject.toml", "package.json"):
        shutil.copy2(REPO / name, root / name)
    return root


def _run(script: Path, path: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BASH, str(script), *args],
        env={"PATH": path, "HOME": os.environ.get("HOME", "/tmp")},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_check_without_npm_names_what_to_install_and_the_deploy_only_route(tmp_path: Path) -> None:
    result = _run(REPO / "scripts" / "setup.sh", _fake_path(tmp_path), "--check")
    assert result.returncode == 1
    for tool in ("node", "npm"):
        assert f"setup: {tool} not found" in result.stderr
    assert "apt-get install nodejs npm" in result.stderr
    assert "--deploy-only" in result.stderr


def test_deploy_only_check_needs_no_node(tmp_path: Path) -> None:
    result = _run(REPO / "scripts" / "setup.sh", _fake_path(tmp_path), "--deploy-only", "--check")
    assert result.returncode == 0, result.stderr
    assert "prerequisites present" in result.stderr


def test_full_setup_without_npm_stops_before_creating_the_virtualenv(tmp_path: Path) -> None:
    root = _project_copy(tmp_path)
    result = _run(root / "scripts" / "setup.sh", _fake_path(tmp_path, "cat", "sha256sum", "cut"))
    assert result.returncode == 1
    assert "npm not found" in result.stderr and "command not found" not in result.stderr
    assert not (root / ".venv").exists()


def test_a_python_older_than_3_11_is_named_with_the_fix(tmp_path: Path) -> None:
    old = tmp_path / "old-python"
    old.write_text("#!/bin/sh\nexit 1\n")
    old.chmod(0o755)
    result = subprocess.run(
        [BASH, str(REPO / "scripts" / "setup.sh"), "--deploy-only", "--check"],
        env={"PATH": _fake_path(tmp_path), "PYTHON": str(old)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "is not Python 3.11+" in result.stderr and "PYTHON=" in result.stderr


def test_an_unknown_option_is_a_usage_error(tmp_path: Path) -> None:
    result = _run(REPO / "scripts" / "setup.sh", _fake_path(tmp_path), "--deploy")
    assert result.returncode == 2
    assert "unknown option --deploy" in result.stderr


def test_a_missing_azurite_names_node_and_the_commands_that_work_without_it(
    tmp_path: Path, monkeypatch
) -> None:
    from batch_infra.emulator import azurite
    from batch_infra.errors import AzureOperationError

    monkeypatch.setenv("BATCH_INFRA_AZURITE", str(tmp_path / "node_modules" / ".bin" / "azurite-blob"))
    with pytest.raises(AzureOperationError) as caught:
        azurite.binary()
    fix = str(caught.value.fix)
    assert "apt-get install nodejs npm" in fix and "./scripts/setup.sh" in fix
    assert "--offline" in fix and "--azure" in fix
