"""The shipped example values a real deployment must replace; preflight --azure refuses them (item 20)."""

from __future__ import annotations

import json
import shutil

import pytest

from batch_infra.cli.main import main
from batch_infra.config import load_stack_file, stack_file
from batch_infra.config.placeholders import placeholders, refuse_placeholders
from tests.fixtures.plans import PROJECT_DIR

PROD_EXAMPLES = [  # in the models' key order
    "naming.prefix",
    "account.autoStorage.nodeIdentity",
    "account.autoStorage.networkAcls.ipRules[0].value",
    "account.identity.userAssignedIdentities[0]",
    "account.encryption.keyVaultProperties.keyIdentifier",
    "pools[0].certificates.certificateUrls[0]",
    "pools[0].certificates.identity",
    "pools[0].identities[0]",
    "pools[1].identities[0]",
    "roleAssignments[0].principalId",
]


def _found(stack: str, project=PROJECT_DIR, text: str | None = None) -> dict[str, str]:
    loaded = load_stack_file(stack_file(stack, project), environment=stack, text=text)
    return dict(placeholders(loaded.config))


def test_every_example_value_of_prod_is_named_by_its_key_path():
    found = _found("prod")
    assert list(found) == PROD_EXAMPLES
    assert "contosoprodsa and contosoprodbatch" in found["naming.prefix"]
    assert "00000000-0000-0000-0000-000000000000" in found["pools[0].identities[0]"]
    assert "RFC 5737" in found["account.autoStorage.networkAcls.ipRules[0].value"]
    assert all("; fix: " in message for message in found.values())


def test_dev_has_only_the_example_prefix_and_explicit_account_names_clear_it():
    assert list(_found("dev")) == ["naming.prefix"]
    text = (PROJECT_DIR / "stacks" / "Pulumi.dev.yaml").read_text()
    named = text.replace(
        "    prefix: contoso\n",
        "    prefix: contoso\n    storageAccount: acmedevsa\n    batchAccount: acmedevbatch\n",
    )
    assert _found("dev", text=named) == {}


def test_an_edited_copy_passes(tmp_path):
    (tmp_path / "stacks").mkdir()
    shutil.copytree(PROJECT_DIR / "packages", tmp_path / "packages")
    text = (PROJECT_DIR / "stacks" / "Pulumi.dev.yaml").read_text().replace("prefix: contoso", "prefix: acme")
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text(text)
    loaded = load_stack_file(stack_file("dev", tmp_path))
    refuse_placeholders(loaded.source, loaded.config)  # raises on any example value


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_preflight_against_azure_refuses_them_before_reading_azure(capsys, monkeypatch, as_json):
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "12345678-1234-1234-1234-123456789012")
    argv = ["preflight", "-s", "prod", "--azure", "--project-dir", str(PROJECT_DIR)]
    assert main(argv + (["--json"] if as_json else [])) == 1
    captured = capsys.readouterr()
    assert "10 configuration problems" in captured.err
    for path in PROD_EXAMPLES:
        assert f"stacks/Pulumi.prod.yaml: batch-infra:{path}: a shipped example value: " in captured.err
    if as_json:
        assert len(json.loads(captured.out)["problems"]) == len(PROD_EXAMPLES)


def test_without_azure_they_are_no_error(capsys):
    """The emulator (tests/cli/test_preflight.py runs dev on it) and --offline plan the shipped values."""
    assert main(["preflight", "-s", "dev", "--offline", "--project-dir", str(PROJECT_DIR)]) == 0
    assert "shipped example" not in capsys.readouterr().err
