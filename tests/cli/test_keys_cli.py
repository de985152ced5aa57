"""`batch-infra keys rotate` on the emulator: sinks, dry run, exit codes, no secret on the terminal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from batch_infra.cli.main import main
from batch_infra.ops.key_sinks import FileSink, KeyVaultSink
from tests.unit.ops.keyrotation_helpers import batch_keys, make_account, storage_keys

pytestmark = pytest.mark.emulator
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The dev stack, named so that it resolves to the account `make_account` creates."""
    shutil.copytree(REPO / "packages", tmp_path / "packages")
    (tmp_path / "stacks").mkdir()
    text = (
        (REPO / "stacks/Pulumi.dev.yaml")
        .read_text()
        .replace(
            "    prefix: contoso\n",
            "    prefix: contoso\n    resourceGroup: rg-keys\n    batchAccount: keysbatch\n",
        )
    )
    (tmp_path / "stacks/Pulumi.dev.yaml").write_text(text)
    return tmp_path


def run(project: Path, *args: str) -> int:
    return main(["keys", "rotate", "--stack", "dev", "--project-dir", str(project), *args])


def test_rotates_into_a_file_and_prints_no_secret(
    emulator_env: Any, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator_env.reset()
    account = make_account(emulator_env)
    key_file = tmp_path / "ci" / "batch.env"

    code = run(
        project,
        "--sink",
        "file",
        "--sink-path",
        str(key_file),
        "--sink-format",
        "env",
        "--grace",
        "0",
        "--storage-propagation",
        "0",
    )

    out, err = capsys.readouterr()
    keys = batch_keys(emulator_env, account)
    assert code == 0
    assert "regenerated secondary (unused)" in out and "regenerated primary (no longer published)" in out
    assert "synchronize auto-storage keys again" in out and "batch: published" in err
    assert "warning: --grace 0" in err
    assert FileSink(key_file, "env").read().value == keys["secondary"]
    for secret in [*keys.values(), *storage_keys(emulator_env, account).values()]:
        assert secret not in out and secret not in err


def test_key_vault_sink_json_and_dry_run(
    emulator_env: Any, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator_env.reset()
    account = make_account(emulator_env)
    assert run(project, "--batch", "--grace", "0") == 0
    sink = KeyVaultSink(emulator_env.target, emulator_env.target.arm_endpoint, "keysbatch-shared-key")
    assert sink.read().value == batch_keys(emulator_env, account)["secondary"]
    capsys.readouterr()
    before = batch_keys(emulator_env, account)

    code = run(project, "--dry-run", "--json", "--grace", "5")

    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["dryRun"] is True
    assert (
        report["batch"][0] == "regenerate primary (unused)" and report["batch"][-1] == "regenerate secondary"
    )
    assert len(report["storage"]) == 5 and report["storage"][2].startswith("wait 300s")
    assert batch_keys(emulator_env, account) == before


def test_account_not_deployed_exits_3(
    emulator_env: Any, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator_env.reset()
    code = run(project, "--sink", "file", "--sink-path", str(project / "k.json"))
    err = capsys.readouterr().err
    assert code == 3
    assert "read Batch account keysbatch" in err and "pulumi up" in err


def test_shared_key_disabled_stack_exits_1(
    emulator_env: Any, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = project / "stacks/Pulumi.dev.yaml"
    stack.write_text(stack.read_text().replace("[SharedKey, AAD]", "[AAD]"))
    assert run(project, "--batch") == 1
    assert "does not allow SharedKey" in capsys.readouterr().err


def test_file_sink_needs_a_path(emulator_env: Any, project: Path) -> None:
    emulator_env.reset()
    make_account(emulator_env)
    assert run(project, "--sink", "file") == 2


def test_shared_key_disabled_stack_rotates_storage_by_default(
    emulator_env: Any, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """AAD-only: no Batch key, so plain `keys rotate` means the auto-storage keys; progress is in the sink."""
    emulator_env.reset()
    account = make_account(emulator_env)
    stack = project / "stacks/Pulumi.dev.yaml"
    stack.write_text(stack.read_text().replace("[SharedKey, AAD]", "[AAD]"))
    before = storage_keys(emulator_env, account)
    key_file = tmp_path / "progress.json"

    code = run(
        project, "--sink", "file", "--sink-path", str(key_file), "--storage-propagation", "0", "--json"
    )

    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["batch"] == [] and len(report["storage"]) == 5
    assert all(
        a != b for a, b in zip(storage_keys(emulator_env, account).values(), before.values(), strict=True)
    )
    assert FileSink(key_file).read() is None and FileSink(key_file).read_state().storage_phase == "completed"


def test_a_malformed_key_file_exits_1_naming_it(
    emulator_env: Any, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator_env.reset()
    make_account(emulator_env)
    key_file = tmp_path / "k.json"
    key_file.write_text("[]")
    assert run(project, "--sink", "file", "--sink-path", str(key_file)) == 1
    err = capsys.readouterr().err
    assert str(key_file) in err and "Traceback" not in err


def test_an_unreachable_endpoint_exits_3_with_rerun_guidance(
    emulator_env: Any, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator_env.reset()
    make_account(emulator_env)
    emulator_env.add_fault(path=r".*/regenerateKeys", method="POST", drop=True, count=50)
    code = run(project, "--batch", "--sink", "file", "--sink-path", str(tmp_path / "k.json"))
    err = capsys.readouterr().err
    emulator_env.clear_faults()
    assert code == 3 and "ServiceResponseError" in err and "re-run" in err and "Traceback" not in err


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


def test_a_wait_counts_down_and_says_ctrl_c_is_safe(capsys: pytest.CaptureFixture[str]) -> None:
    """newcomer D4: the 60 s and 300 s waits were silent."""
    from batch_infra.cli.keys import Countdown

    clock = FakeClock()
    Countdown(enabled=True, clock=clock)(75, "for consumers to switch to the secondary key")
    err = capsys.readouterr().err
    assert sum(clock.slept) == pytest.approx(75) and max(clock.slept) <= 1.0
    lines = err.splitlines()  # not a terminal here: a line at the start, then every 30 s
    assert (
        lines[0]
        == "  waiting 75s for consumers to switch to the secondary key (Ctrl-C is safe: a re-run resumes)"
    )
    assert [line.split()[1] for line in lines] == ["75s", "45s", "15s"]


def test_an_interrupted_rotation_says_what_is_half_done_and_how_to_finish(
    emulator_env: Any, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    """newcomer D4: Ctrl-C during the grace wait printed a bare 'interrupted'."""
    from batch_infra.cli import keys as keys_cli

    emulator_env.reset()
    make_account(emulator_env)

    def interrupted(self, seconds: float, why: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(keys_cli.Countdown, "__call__", interrupted)
    code = run(project, "--batch", "--sink", "file", "--sink-path", str(tmp_path / "k.json"), "--grace", "30")
    err = capsys.readouterr().err
    assert code == 130
    assert (
        "rotation interrupted: the secondary key is published to consumers and the primary key is not yet "
        "regenerated (both keys still work); re-run `batch-infra keys rotate --stack dev` to finish it"
    ) in err
    assert err.rstrip().endswith("interrupted")


def test_without_credentials_the_fix_is_to_sign_in(project: Path, capsys, monkeypatch) -> None:
    """newcomer D19: no credential gave 'deploy the stack first (pulumi up)'."""
    from azure.core.exceptions import ClientAuthenticationError

    from batch_infra.ops import keys as keys_ops

    def no_credential(*_args: Any, **_kwargs: Any) -> Any:
        raise ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token")

    monkeypatch.delenv("BATCH_INFRA_EMULATOR", raising=False)
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "11111111-1111-1111-1111-111111111111")
    monkeypatch.setattr(keys_ops.azure_clients, "batch_mgmt_client", no_credential)
    code = run(project, "--azure", "--sink", "file", "--sink-path", "k.json")
    err = capsys.readouterr().err
    assert code == 3 and "no credential" in err and "az login" in err and "pulumi up" not in err
