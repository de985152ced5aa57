"""CLI commands under Azure faults: a fix that names the cause, exit code 3, never a traceback.

Issue 16 item 7, end to end for every command that reads Azure (quota, images, preflight): throttling says
so with its retries and seconds, a server error never sends the user to check their access, and only a 403
talks about roles.
"""

from __future__ import annotations

import re

import pytest

from batch_infra.cli.main import main
from tests.cli.test_quota_cli import dev_account  # noqa: F401 - the fixture: the dev stack's account
from tests.fixtures.plans import PROJECT_DIR

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("dev_account")]
FAST = {"BATCH_INFRA_RETRY_BASE_SECONDS": "0.01", "BATCH_INFRA_RETRY_MAX_WAIT_SECONDS": "0.05"}
COMMANDS = ("quota", "images", "preflight")
CAUSES = {
    "429": ({"status": 429}, r"Azure is throttling \(429\): retried 5 times over \d+\.\d s"),
    "503": ({"status": 503}, r"Azure had a transient server error \(503 ServerBusy\): retried 5 times over"),
    "drop": ({"drop": True}, r"no answer from Azure \(the connection was lost or timed out"),
    "403": ({"status": 403}, r"the signed-in identity lacks access: you need \w+"),
}
ACCESS_WORDS = ("Reader", "Contributor", "lacks access", "role")


def run(capsys, monkeypatch, command: str) -> tuple[int, str]:  # noqa: ANN001 - pytest fixtures
    for name, value in FAST.items():
        monkeypatch.setenv(name, value)
    code = main([command, "--project-dir", str(PROJECT_DIR), "--stack", "dev"])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("cause", list(CAUSES))
@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_names_the_cause(capsys, monkeypatch, clean_emulator, command, cause) -> None:  # noqa: ANN001
    fault, fix = CAUSES[cause]
    clean_emulator.add_fault(r"/subscriptions/|/batch/", **fault)
    code, err = run(capsys, monkeypatch, command)
    print(f"--- {command} under {cause}:\n{err}")
    assert code == 3, err
    assert "Traceback" not in err and "azure.core" not in err, err
    assert len([line for line in err.splitlines() if line.strip().startswith("fix:")]) == 1, err
    fix_line = next(line for line in err.splitlines() if line.strip().startswith("fix:"))
    assert re.search(fix, fix_line), err
    if cause != "403":  # only a refusal of access may talk about access
        assert not any(word in fix_line for word in ACCESS_WORDS), err
