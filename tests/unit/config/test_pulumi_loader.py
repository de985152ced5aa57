"""load_pulumi_config: inside a Pulumi program the same rules hold as for the CLI, unknown keys included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from batch_infra.config import load_pulumi_config
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
