"""The key sink a rotation records on the Batch account, against what `pulumi up` does to the account's tags
(azure-native PUTs the stack's tags only): lost unless the stack file declares it, kept when it does, and the
declaration refuses a second sink either way (issue 16 item 5)."""

from __future__ import annotations

import json

import pytest

from batch_infra.cli.main import main
from batch_infra.ops.key_sink_claim import SINK_TAG
from tests.deployments.conftest import engine_stack

pytestmark = [pytest.mark.slow, pytest.mark.emulator]
GROUP, ACCOUNT = "rg-contoso-dev-batch", "contosodevbatch"


def rotate(capsys, project, sink_path) -> tuple[int, dict | str]:  # noqa: ANN001 - fixtures
    capsys.readouterr()
    args = ["keys", "rotate", "-s", "dev", "-C", str(project), "--batch", "--grace", "0"]
    args += ["--storage-propagation", "0", "--sink", "file", "--sink-path", str(sink_path), "-o", "json"]
    code = main(args)
    out, err = capsys.readouterr()
    return code, json.loads(out) if code == 0 else err


def account_tags(clean_emulator) -> dict[str, str]:  # noqa: ANN001
    return clean_emulator.batch_mgmt_client().batch_account.get(GROUP, ACCOUNT).tags or {}


def test_the_recorded_sink_outlives_pulumi_up_only_when_the_stack_declares_it(
    project, clean_emulator, emulator_env, capsys, tmp_path
) -> None:  # noqa: ANN001 - fixtures
    stack = engine_stack(project, "dev", clean_emulator)
    assert (up := stack.up()).ok, up.render()
    first = tmp_path / "first.json"
    code, report = rotate(capsys, project, first)
    assert code == 0, report
    identity = account_tags(clean_emulator)[SINK_TAG]
    assert identity == f"file:{first.resolve()}"
    assert any("under batch-infra:tags" in note for note in report["notes"]), report

    stack_file = project / "stacks" / "Pulumi.dev.yaml"
    text = stack_file.read_text()
    stack_file.write_text(text.replace("owner: platform-team", "owner: batch-team"))
    assert (up := stack.up()).ok, up.render()
    assert SINK_TAG not in account_tags(clean_emulator)  # the update PUT the stack's tags only

    declared = f'owner: batch-team\n    {SINK_TAG}: "{identity}"'
    stack_file.write_text(text.replace("owner: platform-team", declared))
    assert (up := stack.up()).ok, up.render()
    assert account_tags(clean_emulator)[SINK_TAG] == identity
    code, refused = rotate(capsys, project, tmp_path / "second.json")
    assert code == 1 and f"the stack declares the key sink of Batch account {ACCOUNT}" in refused
    assert not (tmp_path / "second.json").exists()
    code, report = rotate(capsys, project, first)
    assert code == 0 and not any("under batch-infra:tags" in n for n in report["notes"]), report
    assert stack.preview(expect_no_changes=True).ok
