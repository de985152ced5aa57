"""The stack file's JSON Schema: committed copy current, shipped stacks valid, mistakes refused at their path.

Issue 15 item 18. Each refusal is also checked against the loader: the schema may not refuse what the
models accept, nor accept the mistakes the loader names.
"""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from jsonschema import Draft202012Validator

from batch_infra.cli.main import main
from batch_infra.config import load_stack_file
from batch_infra.config.schema import SCHEMA_PATH, render, stack_file_schema
from batch_infra.errors import ConfigError
from tests.fixtures.plans import PROJECT_DIR

SHIPPED = sorted(
    [*PROJECT_DIR.glob("stacks/Pulumi.*.yaml"), *PROJECT_DIR.glob("examples/stacks/Pulumi.*.yaml")]
)
DEV = PROJECT_DIR / "stacks" / "Pulumi.dev.yaml"


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads((PROJECT_DIR / SCHEMA_PATH).read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _dev() -> dict:
    return yaml.safe_load(DEV.read_text())


def _errors(validator: Draft202012Validator, document: dict) -> list[tuple[str, str]]:
    return [(error.json_path, error.message) for error in validator.iter_errors(document)]


def test_the_committed_schema_is_what_the_models_generate():
    committed = (PROJECT_DIR / SCHEMA_PATH).read_text()
    assert committed == render(stack_file_schema()), f"stale {SCHEMA_PATH}: run `batch-infra schema --write`"


def test_schema_check_exits_1_on_a_stale_copy_and_write_repairs_it(tmp_path, capsys):
    (tmp_path / "schema").mkdir()
    (tmp_path / SCHEMA_PATH).write_text("{}\n")
    assert main(["schema", "--check", "--project-dir", str(tmp_path)]) == 1
    assert "fix: batch-infra schema --write" in capsys.readouterr().err
    assert main(["schema", "--write", "--project-dir", str(tmp_path)]) == 0
    assert main(["schema", "--check", "--project-dir", str(tmp_path)]) == 0
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out.split("is up to date\n", 1)[1]) == stack_file_schema()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_shipped_stack_validates(validator, path):
    assert _errors(validator, yaml.safe_load(path.read_text())) == []


def _set(document: dict, dotted: str, value: object) -> dict:
    changed = copy.deepcopy(document)
    node = changed["config"]
    *parents, last = dotted.split("/")
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return changed


MISTAKES = {
    "key typo": (
        "batch-infra:pools/0/vmSzie",
        "Standard_D2s_v5",
        "$.config['batch-infra:pools'][0]",
        "'vmSzie'",
    ),
    "text for a count": (
        "batch-infra:pools/0/scale/targetDedicatedNodes",
        "two",
        "$.config['batch-infra:pools'][0].scale.targetDedicatedNodes",
        "'two'",
    ),
    "a boolean for a count": (
        "batch-infra:pools/0/taskSlotsPerNode",
        True,
        "$.config['batch-infra:pools'][0].taskSlotsPerNode",
        "True",
    ),
    "unknown value of an Azure enum": (
        "batch-infra:account/poolAllocationMode",
        "Batch",
        "$.config['batch-infra:account'].poolAllocationMode",
        "'Batch'",
    ),
    "no namespace": ("pools", [], "$.config", "'pools'"),
    "misspelt namespace": ("batchinfra:pools", [], "$.config['batchinfra:pools']", "is not one of []"),
    "unknown batch-infra key that is no secret": (
        "batch-infra:pool",
        [],
        "$.config['batch-infra:pool']",
        "is not of type 'object'",
    ),
    "secure value outside pools": (
        "batch-infra:naming/prefix",
        {"secure": "v1:abc"},
        "$.config['batch-infra:naming'].prefix",
        "is not of type 'string'",
    ),
    "retired Azure feature": (
        "batch-infra:pools/0/cloudServiceConfiguration",
        {"osFamily": "6"},
        "$.config['batch-infra:pools'][0].cloudServiceConfiguration",
        "is not of type 'null'",
    ),
    "no naming": ("batch-infra:naming", None, "$.config", "'batch-infra:naming' is a required property"),
}


@pytest.mark.parametrize("key, value, path, words", MISTAKES.values(), ids=MISTAKES.keys())
def test_a_mistake_fails_at_its_path_as_the_loader_refuses_it(validator, key, value, path, words):
    document = _set(_dev(), key, value)
    errors = _errors(validator, document)
    assert any(at == path and words in message for at, message in errors), errors
    with pytest.raises(ConfigError):
        load_stack_file(DEV, text=yaml.safe_dump(document, sort_keys=False))


def test_the_stack_file_itself_is_checked(validator):
    document = {**_dev(), "configs": {}}
    assert _errors(validator, document) == [
        ("$", "Additional properties are not allowed ('configs' was unexpected)")
    ]
    del document["config"]
    assert ("$", "'config' is a required property") in _errors(validator, document)


ACCEPTED = {
    "a nested secret in a pool": ("batch-infra:pools/0/startTask/environment", {"TOKEN": {"secure": "v1:x"}}),
    "a secret key": ("batch-infra:renderPassword", {"secure": "v1:x"}),
    "other providers' keys": ("pulumi:tags", {"team": "render"}),
    "location from azure-native only": ("batch-infra:location", None),
}


@pytest.mark.parametrize("key, value", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_what_the_loader_accepts_validates(validator, key, value):
    document = _set(_dev(), key, value)
    assert _errors(validator, document) == []
    load_stack_file(DEV, text=yaml.safe_dump(document, sort_keys=False))


def test_pulumis_own_stack_file_keys_validate(validator):
    document = {
        "secretsprovider": "passphrase",
        "encryptionsalt": "v1:abc",
        "environment": ["render/dev"],
        **_dev(),
    }
    assert _errors(validator, document) == []


def test_a_location_is_required_from_either_namespace(validator):
    document = _set(_set(_dev(), "batch-infra:location", None), "azure-native:location", None)
    assert any("is not valid under any of the given schemas" in m for _, m in _errors(validator, document))
    with pytest.raises(ConfigError, match="location"):
        load_stack_file(DEV, text=yaml.safe_dump(document, sort_keys=False))


def test_the_vscode_settings_map_every_shipped_stack_to_the_committed_schema():
    settings = json.loads((PROJECT_DIR / ".vscode" / "settings.json").read_text())
    [(schema, globs)] = settings["yaml.schemas"].items()
    assert (PROJECT_DIR / schema).resolve() == (PROJECT_DIR / SCHEMA_PATH).resolve()
    assert SHIPPED and all(
        any(path.relative_to(PROJECT_DIR).match(glob) for glob in globs) for path in SHIPPED
    )


def test_retired_keys_carry_their_date_and_fix_and_are_never_suggested():
    pool = stack_file_schema()["$defs"]["PoolConfig"]["properties"]
    retired = {key: value for key, value in pool.items() if value.get("doNotSuggest")}
    assert sorted(retired) == ["applicationLicenses", "certificateReferences", "cloudServiceConfiguration"]
    assert "retired by Azure on 2024-02-29; fix: " in retired["cloudServiceConfiguration"]["errorMessage"]
