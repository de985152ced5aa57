"""`preflight --expect-no-changes` (a CI drift gate, as pulumi's) and `--diff` (old -> new per property) on
the emulator; every key of the JSON documents in one style (camelCase, as Azure's)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from batch_infra.cli.main import main
from tests.cli.deploy_stack import deploy
from tests.cli.test_preflight_target import NAMES
from tests.fixtures.plans import PROJECT_DIR

pytestmark = pytest.mark.emulator
# Subtrees holding Azure's or the user's own names (resource inputs, outputs, tags, changed values).
USER_DATA = {"properties", "outputs", "old", "new", "inputs"}
CAMEL = re.compile(r"[a-z][A-Za-z0-9]*")


def run(*flags: str) -> int:
    return main(["preflight", "-s", "dev", "-C", str(PROJECT_DIR), *flags])


def keys_of(value: Any, path: str = "") -> list[str]:
    if isinstance(value, list):
        return [k for item in value for k in keys_of(item, path)]
    if not isinstance(value, dict):
        return []
    found = []
    for key, item in value.items():
        found.append(f"{path}.{key}")
        if key not in USER_DATA:
            found += keys_of(item, f"{path}.{key}")
    return found


def test_no_changes_passes_the_gate_and_drift_fails_it_with_old_and_new(
    capsys, clean_emulator, emulator_env, planned, monkeypatch
):
    deploy(clean_emulator, planned("dev"))
    capsys.readouterr()  # the deploy's upload progress
    assert run("--expect-no-changes", "-o", "none") == 0
    assert capsys.readouterr() == ("", "")

    clean_emulator.storage_client().storage_accounts.update(
        NAMES.resource_group, NAMES.storage_account, {"minimum_tls_version": "TLS1_0"}
    )
    monkeypatch.setenv("COLUMNS", "200")
    assert run("--expect-no-changes", "--diff") == 1
    captured = capsys.readouterr()
    assert "no changes were expected but 1 step(s) change something" in captured.err
    assert "~ update batch-account-storage (azure-native:storage:StorageAccount)" in captured.err
    assert '~ minimumTlsVersion: "TLS1_0" -> "TLS1_2"' in captured.err
    assert '~ minimumTlsVersion: "TLS1_0" -> "TLS1_2"' in captured.out  # --diff in the plan table too

    assert run("--expect-no-changes", "-o", "json") == 1
    document = json.loads(capsys.readouterr().out)
    step = next(s for s in document["preflight"]["steps"] if s["name"] == "batch-account-storage")
    assert step["changes"] == [{"path": "minimumTlsVersion", "old": "TLS1_0", "new": "TLS1_2"}]
    odd = [k for k in keys_of(document) if not CAMEL.fullmatch(k.rsplit(".", 1)[-1])]
    assert odd == [], odd


def test_quota_and_images_documents_are_camel_case(capsys, clean_emulator, emulator_env, planned):
    deploy(clean_emulator, planned("dev"))
    for command in ("quota", "images"):
        main([command, "-s", "dev", "-C", str(PROJECT_DIR), "-o", "json"])
        document = json.loads(capsys.readouterr().out)
        odd = [k for k in keys_of(document) if not CAMEL.fullmatch(k.rsplit(".", 1)[-1])]
        assert odd == [], (command, odd)
