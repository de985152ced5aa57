"""`batch-infra images`: table and JSON on the emulator's catalog; exit 1 when a pool is in the window."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from batch_infra.cli.main import main
from batch_infra.providers import azure_clients

pytestmark = pytest.mark.emulator
REPO = Path(__file__).resolve().parents[2]


def deploy_account(emulator: Any, project: Path, env: str) -> None:
    """The stack's resource group and Batch account, as `pulumi up` leaves them: the emulator is not ours."""
    from batch_infra.config import load_stack_file, stack_file

    config = load_stack_file(stack_file(env, project), environment=env).config
    names = config.names()
    emulator.resource_client().resource_groups.create_or_update(
        names.resource_group, {"location": config.location}
    )
    emulator.batch_mgmt_client().batch_account.begin_create(
        names.resource_group, names.batch_account, {"location": config.location}
    ).result()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "stacks", tmp_path / "stacks")
    shutil.copytree(REPO / "packages", tmp_path / "packages")
    return tmp_path


def test_embedded_emulator_by_default(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(azure_clients.EMULATOR_ENV, raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # one line per row, so names can be counted whole

    code = main(["images", "--stack", "prod", "--project-dir", str(project)])

    out = capsys.readouterr().out
    assert code == 0
    assert "images of stack prod (the emulator" in out
    assert out.count("canonical/ubuntu-24_04-lts/server") == 2 and "none announced" in out
    assert "120-day end-of-life window, action fail" in out


def test_pool_inside_the_window_exits_1_with_json(
    emulator_env: Any, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator_env.reset()
    staging = project / "stacks/Pulumi.staging.yaml"
    # Ubuntu 22.04 ends Batch support on 2027-06-30: inside a 3650-day window whatever today is.
    staging.write_text(
        _unpinned(staging.read_text())
        .replace("os: ubuntu 24.04", "os: ubuntu 22.04")
        .replace("imageEndOfLifeWindowDays: 90", "imageEndOfLifeWindowDays: 3650")
    )

    deploy_account(emulator_env, project, "staging")
    code = main(["images", "--stack", "staging", "--project-dir", str(project), "--json"])

    report = json.loads(capsys.readouterr().out)
    (pool,) = report["pools"]
    assert code == 1 and report["ok"] is False and report["windowDays"] == 3650
    assert pool["pool"] == "render" and pool["status"] in ("in-window", "ended")
    assert pool["image"] == "canonical/0001-com-ubuntu-server-jammy/22_04-lts"
    assert pool["batchSupportEndOfLife"] == "2027-06-30" and isinstance(pool["daysLeft"], int)


def test_table_names_the_problem(
    emulator_env: Any, project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator_env.reset()
    monkeypatch.setenv("COLUMNS", "200")
    dev = project / "stacks/Pulumi.dev.yaml"
    dev.write_text(
        dev.read_text().replace(
            "os: ubuntu 24.04", "publisher: contoso\n        offer: golden\n        sku: v1"
        )
    )

    deploy_account(emulator_env, project, "dev")
    code = main(["images", "--stack", "dev", "--project-dir", str(project)])

    out = capsys.readouterr().out
    assert code == 1
    assert "│ dev-small │ no-image │" in out
    assert "dev-small: no supported image matches 'contoso/golden/v1'" in out and "batch-infra images" in out


def test_azure_without_subscription_is_an_actionable_error(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID", raising=False)
    assert main(["images", "--stack", "dev", "--project-dir", str(project), "--azure"]) == 1
    assert "AZURE_SUBSCRIPTION_ID" in capsys.readouterr().err


def test_an_emulator_it_does_not_own_gets_no_scratch_account(
    emulator_env: Any, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator_env.reset()
    emulator_env.clear_requests()

    code = main(["images", "--stack", "dev", "--project-dir", str(project)])

    err = capsys.readouterr().err
    assert code == 3 and "creates nothing in it" in err and "pulumi up" in err
    assert not [r for r in emulator_env.requests() if r["method"] in ("PUT", "POST", "PATCH")]


def _images_azure_without_credential(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """`images --azure` with DefaultAzureCredential limited to an unconfigured EnvironmentCredential: fails at
    once, offline, whatever is signed in on this machine (HOME and PATH hold no az, azd or token cache)."""
    env = {
        "PATH": str(tmp_path),
        "HOME": str(tmp_path),
        "AZURE_TOKEN_CREDENTIALS": "EnvironmentCredential",
        "AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000000",
        **extra,
    }
    command = [sys.executable, "-m", "batch_infra", "images", "--stack", "dev", "--azure"]
    return subprocess.run(
        [*command, "--project-dir", str(REPO)], capture_output=True, text=True, env=env, timeout=60
    )


def test_azure_without_a_credential_prints_one_error_with_the_sign_in_fix(tmp_path: Path) -> None:
    result = _images_azure_without_credential(tmp_path)

    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr.startswith("error: read Batch account contosodevbatch: no credential: ")
    assert result.stderr.count("DefaultAzureCredential failed") == 1  # the SDK's own log lines stay quiet
    assert "None" not in result.stderr
    assert "fix: sign in for DefaultAzureCredential: `az login`" in result.stderr


def test_batch_infra_debug_lets_the_azure_sdk_log_through(tmp_path: Path) -> None:
    result = _images_azure_without_credential(tmp_path, BATCH_INFRA_DEBUG="1")

    assert result.returncode == 3
    assert result.stderr.count("DefaultAzureCredential failed") == 2  # the SDK's warning, then our error


def _cells(lines: list[str]) -> list[str]:
    """The cells of a one-row rich table, each column's folded pieces joined back together."""
    body = lines[next(i for i, line in enumerate(lines) if line.startswith("┡")) + 1 :]
    rows = [line.strip("│").split("│") for line in body if line.startswith("│")]
    return ["".join(piece.strip() for piece in column) for column in zip(*rows, strict=True)]


def test_piped_table_honours_80_columns_and_folds_instead_of_cropping(
    emulator_env: Any, project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator_env.reset()
    staging = project / "stacks/Pulumi.staging.yaml"
    # The longest image name in the catalog, with a replacement and a problem line to print.
    staging.write_text(
        _unpinned(staging.read_text())
        .replace("os: ubuntu 24.04", "os: ubuntu 22.04")
        .replace("imageEndOfLifeWindowDays: 90", "imageEndOfLifeWindowDays: 3650")
    )
    deploy_account(emulator_env, project, "staging")
    monkeypatch.setenv("COLUMNS", "80")

    code = main(["images", "--stack", "staging", "--project-dir", str(project)])

    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert "…" not in "\n".join(lines)
    assert max(len(line) for line in lines) <= 80
    # Not cropped either: every row of the table keeps its right border (eight columns did not at 80).
    assert all(line.endswith(("│", "┃", "┓", "┩", "┘")) for line in lines if line.startswith(("│", "┃")))
    # Below 120 columns the image, its node agent SKU and its source stack in one cell.
    pool, status, image_sku_source, *_ = _cells(lines)
    assert pool == "render" and status in ("in-window", "ended")
    image, sku = "canonical/0001-com-ubuntu-server-jammy/22_04-lts", "batch.node.ubuntu22.04"
    assert image_sku_source == f"{image}{sku}selected"
    problem = " ".join(
        " ".join(line.split()) for line in lines if not line.startswith(("│", "┃", "┏", "┡", "└"))
    )
    assert "render: " in problem and "2027-06-30" in problem


def _unpinned(stack_text: str) -> str:
    """The stack without its image pin (and the pin's comment), so the `os:` selector decides again."""
    pin = r"(?m)^ +# The image staging tested.*\n(?: +#.*\n)*|^( +)pinned:\n(?:\1 +.*\n)+"
    return re.sub(pin, "", stack_text)
