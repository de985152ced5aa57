"""CLI commands under Azure faults: a fix that names the cause, exit code 3, never a traceback."""

from __future__ import annotations

import pytest

from batch_infra.cli.main import main
from tests.cli.test_quota_cli import dev_account  # noqa: F401 - the fixture: the dev stack's account
from tests.fixtures.plans import PROJECT_DIR

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("dev_account")]
FAST = {"BATCH_INFRA_RETRY_BASE_SECONDS": "0.01", "BATCH_INFRA_RETRY_MAX_WAIT_SECONDS": "0.05"}


@pytest.mark.parametrize(
    ("fault", "cause"),
    [
        ({"status": 429}, "Azure is throttling (429): retried 5 times over"),
        ({"status": 503}, "Azure had a transient server error (503 ServerBusy): retried 5 times"),
        ({"drop": True}, "no answer from Azure (the connection was lost or timed out before Azure answered)"),
    ],
)
def test_quota_names_the_cause_not_an_access_problem(capsys, monkeypatch, clean_emulator, fault, cause):
    for name, value in FAST.items():
        monkeypatch.setenv(name, value)
    clean_emulator.add_fault(r"/batchAccounts/", **fault)
    code = main(["quota", "--project-dir", str(PROJECT_DIR), "--stack", "dev"])
    err = capsys.readouterr().err
    assert code == 3, err
    assert cause in err and "Traceback" not in err and "Reader" not in err, err
