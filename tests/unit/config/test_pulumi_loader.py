"""load_pulumi_config: inside a Pulumi program the same rules hold as for the CLI, unknown keys included."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from batch_infra.config import load_pulumi_config, load_stack_file
from batch_infra.errors import ConfigError
from batch_infra.ops.plan import run_under_mocks

PROJECT = Path(__file__).resolve().parents[3]


def _engine_config(stack: str) -> dict[str, str]:
    """The stack file's values as the engine passes them: every value a string, structured ones JSON."""
    document = yaml.safe_load((PROJECT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in document.items()}


def _load(config: dict[str, str], secret_keys: list[str], stack: str = "prod"):
    """load_pulumi_config inside a real (mock-runtime) Pulumi program, exactly as `pulumi up` runs it."""
    loaded = []

    def program() -> dict[str, Any]:
        loaded.append(load_pulumi_config(PROJECT))
        return {}

    run_under_mocks(program, stack=stack, config=config, secret_keys=secret_keys)
    return loaded[0]


def test_the_program_loads_the_same_config_as_the_cli():
    loaded = _load(_engine_config("prod"), [])
    assert [pool.id for pool in loaded.config.pools] == ["render", "encode"]
    assert loaded.config.location == "westeurope"


def test_a_misspelled_top_level_key_fails_the_program():
    config = _engine_config("dev")
    config["batch-infra:polices"] = json.dumps({"imageEndOfLifeWindowDays": 10})
    with pytest.raises(ConfigError) as raised:
        _load(config, [], stack="dev")
    assert ("stacks/Pulumi.dev.yaml: batch-infra:polices: unknown key; "
            "fix: did you mean 'policies'?") in str(raised.value)


def test_secret_keys_are_recorded_not_refused():
    config = _engine_config("dev")
    config["batch-infra:opsPassword"] = "decrypted-by-the-engine"
    loaded = _load(config, ["batch-infra:opsPassword"], stack="dev")
    assert loaded.secrets == frozenset({"opsPassword"})
    assert "decrypted-by-the-engine" not in json.dumps(loaded.raw)


def test_missing_package_paths_fail_the_program(tmp_path):
    config = _engine_config("dev")
    applications = json.loads(config["batch-infra:applications"])
    applications[0]["packages"] = {"2.4.0": "packages/nowhere"}
    config["batch-infra:applications"] = json.dumps(applications)
    with pytest.raises(ConfigError) as raised:
        _load(config, [], stack="dev")
    assert ("batch-infra:applications[0].packages.2.4.0: "
            "'packages/nowhere' is not a folder or .zip") in str(raised.value)


def test_a_secret_structured_key_is_decoded_and_marked_never_dropped():
    config = _engine_config("prod")
    loaded = _load(config, ["batch-infra:pools"])  # what the engine lists for any secure value inside
    assert [pool.id for pool in loaded.config.pools] == ["render", "encode"]
    assert loaded.secret_sections == frozenset({"pools"}) and loaded.secrets == frozenset()


def test_a_secret_key_whose_values_azure_shows_in_plaintext_is_refused():
    with pytest.raises(ConfigError) as raised:
        _load(_engine_config("prod"), ["batch-infra:naming"])
    assert "batch-infra:naming: holds a secure value" in str(raised.value)
    assert "fix: store it without --secret" in str(raised.value)


@pytest.mark.parametrize("namespace", ["batchinfra", "batch_infra", "Batch-Infra", "batch-infar"])
def test_a_misspelt_namespace_is_refused_with_the_key_it_meant(namespace):
    config = _engine_config("dev")
    config[f"{namespace}:pools"] = config.pop("batch-infra:pools")
    with pytest.raises(ConfigError) as raised:
        _load(config, [], stack="dev")
    assert f"{namespace}:pools: namespace {namespace!r} is not batch-infra's" in str(raised.value)
    assert "fix: did you mean batch-infra:pools?" in str(raised.value)


def test_other_namespaces_and_the_old_config_form_are_read_as_the_engine_reads_them():
    config = _engine_config("dev")
    config["batch-infra:config:policies"] = json.dumps({"imageEndOfLifeWindowDays": 10})
    config["azure-native:subscriptionId"] = "00000000-0000-0000-0000-000000000000"
    loaded = _load(config, [], stack="dev")
    assert loaded.config.policies.image_end_of_life_window_days == 10


def _stack_file(tmp_path: Path, stack: str, edit) -> Path:
    document = yaml.safe_load((PROJECT / "stacks" / f"Pulumi.{stack}.yaml").read_text())
    edit(document["config"])
    (tmp_path / "stacks").mkdir(exist_ok=True)
    # A copy, not a symlink: package paths leading out of the project through a symlink are refused.
    if not (tmp_path / "packages").exists():
        shutil.copytree(PROJECT / "packages", tmp_path / "packages")
    path = tmp_path / "stacks" / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_the_stack_file_refuses_a_key_without_namespace_as_the_cli_does(tmp_path):
    path = _stack_file(tmp_path, "dev", lambda c: c.update(pools=c.pop("batch-infra:pools")))
    with pytest.raises(ConfigError) as raised:
        load_stack_file(path)
    assert ("pools: a config key needs a namespace, and the Pulumi CLI refuses this one; "
            "fix: did you mean batch-infra:pools?") in str(raised.value)


def test_the_stack_file_reads_a_nested_secure_value_as_a_secret_section(tmp_path):
    def secure_token(config):
        config["batch-infra:pools"][0]["startTask"] = {
            "commandLine": "/bin/true", "environment": {"TOKEN": {"secure": "v1:AAAA"}}}

    loaded = load_stack_file(_stack_file(tmp_path, "dev", secure_token))
    assert loaded.secret_sections == frozenset({"pools"})
    assert loaded.config.pools[0].start_task.environment == {"TOKEN": "[secret]"}
