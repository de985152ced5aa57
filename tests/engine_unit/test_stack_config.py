"""Stack config as the CLI reads and writes it (sdk/go/common/resource/config key.go, value.go, object.go)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.engine.stack_config import (
    ConfigError,
    config_set,
    decrypt,
    encrypt,
    language_host_env,
    load_stack_config,
    parse_key,
)


def write(tmp_path: Path, config: dict) -> Path:
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))
    return tmp_path


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("batch-infra:pools", ("batch-infra", "pools")), ("aws:config:region", ("aws", "region"))],
)
def test_key_forms_the_cli_parses(text: str, parsed: tuple[str, str]) -> None:
    assert parse_key(text, "f") == parsed


@pytest.mark.parametrize("text", ["pools", "a:b:c", "a:b:c:d"])
def test_keys_the_cli_refuses(text: str) -> None:
    with pytest.raises(ConfigError, match="configuration keys should be of the form `<namespace>:<name>`"):
        parse_key(text, "stacks/Pulumi.dev.yaml")


def test_a_namespace_less_key_in_a_stack_file_is_refused_with_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"Pulumi.dev.yaml: could not parse pools"):
        load_stack_config(write(tmp_path, {"pools": []}), "dev")


def test_values_reach_the_program_as_the_language_host_passes_them(tmp_path: Path) -> None:
    config = load_stack_config(
        write(
            tmp_path,
            {
                "batch-infra:location": "westeurope",
                "batch-infra:count": 3,
                "batch-infra:enabled": True,
                "batch-infra:tags": {"b": 1, "a": "x"},
                "batchinfra:misspelt": "kept",  # an odd namespace is still a key: the program must refuse it
                "batch-infra:config:old": "form",
            },
        ),
        "dev",
    )
    env = language_host_env(config)
    assert json.loads(env["PULUMI_CONFIG"]) == {
        "batch-infra:location": "westeurope",
        "batch-infra:count": "3",
        "batch-infra:enabled": "true",
        "batch-infra:tags": '{"a":"x","b":1}',
        "batchinfra:misspelt": "kept",
        "batch-infra:old": "form",
    }
    assert json.loads(env["PULUMI_CONFIG_SECRET_KEYS"]) == []


def test_a_secure_value_nested_in_an_object_makes_the_top_level_key_secret(tmp_path: Path) -> None:
    pools = [{"id": "render", "startTask": {"environment": {"TOKEN": {"secure": encrypt("s3cret")}}}}]
    config = load_stack_config(
        write(tmp_path, {"batch-infra:pools": pools, "batch-infra:pw": {"secure": encrypt("pw")}}), "dev"
    )
    env = language_host_env(config)
    assert json.loads(env["PULUMI_CONFIG_SECRET_KEYS"]) == ["batch-infra:pools", "batch-infra:pw"]
    values = json.loads(env["PULUMI_CONFIG"])
    assert json.loads(values["batch-infra:pools"])[0]["startTask"]["environment"]["TOKEN"] == "s3cret"
    assert values["batch-infra:pw"] == "pw"


def test_config_set_writes_like_pulumi_config_set(tmp_path: Path) -> None:
    write(tmp_path, {"batch-infra:pools": [{"id": "render"}]})
    config_set(
        tmp_path,
        "dev",
        "batch-infra:pools[0].startTask.environment.TOKEN",
        "tok",
        project="batch-infra",
        secret=True,
        path=True,
    )
    config_set(tmp_path, "dev", "region", "westeurope", project="batch-infra")  # no namespace: the project's
    text = (tmp_path / "Pulumi.dev.yaml").read_text()
    assert "tok" not in text.replace("TOKEN", "")
    data = yaml.safe_load(text)["config"]
    assert data["batch-infra:region"] == "westeurope"
    secure = data["batch-infra:pools"][0]["startTask"]["environment"]["TOKEN"]["secure"]
    assert decrypt(secure) == "tok" and data["batch-infra:pools"][0]["id"] == "render"


def test_a_ciphertext_the_test_cipher_did_not_write_is_refused() -> None:
    with pytest.raises(ConfigError, match="not written by the test engine's cipher"):
        decrypt("v1:AAAA", "stacks/Pulumi.prod.yaml: batch-infra:pw")
