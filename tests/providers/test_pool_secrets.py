"""A SAS token anywhere in a pool's start task is a credential: secret in state, never handed back by read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest

from batch_infra.components import pools as pool_component
from batch_infra.config import load_stack_file, stack_file
from batch_infra.providers.pool_spec import carries_sas, secret_output_keys
from tests.providers.pool_support import create

PROJECT_DIR = Path(__file__).resolve().parents[2]
SAS = "https://st.blob.core.windows.net/tools/setup.sh?sv=2024-11-04&sp=r&sig=c2VjcmV0"
SAS_COMMAND = f"/bin/bash -c 'curl -fsSL \"{SAS}\" | bash'"


@pytest.mark.parametrize(
    "task",
    [
        {"commandLine": SAS_COMMAND},
        {"commandLine": "curl 'https://st.blob.core.windows.net/c/a?sv=2024&SIG=abc'"},
        {"commandLine": "curl https://st.blob.core.windows.net/c/a%3Fsv%3D2024%26sig%3Dabc"},
        {"commandLine": "curl https://st.blob.core.windows.net/c/a%253Fsv%253D2024%2526Sig%253Dabc"},
        {"commandLine": "run", "resourceFiles": [{"httpUrl": "https://x/a?Sig=1", "filePath": "a"}]},
        {"commandLine": "run", "environment": {"DATA": "https://x/c?sv=1&%73ig=1"}},
        # Azure's shape: the BATCH_INFRA_START_COMMAND copy of a command line the key installer wraps
        {"commandLine": "installer", "environmentSettings": [
            {"name": "BATCH_INFRA_START_COMMAND", "value": SAS_COMMAND}]},
    ],
)
def test_a_sas_is_found_in_the_command_line_and_any_casing_or_encoding(task):
    assert carries_sas(task)
    assert secret_output_keys({"startTask": task}) == ["userPasswords", "secretValues", "startTask"]


def test_a_start_task_without_a_signature_is_not_secret():
    task = {"commandLine": "/bin/bash -c 'echo design=ok; ls %2Fsig'",
            "resourceFiles": [{"autoStorageContainerName": "c"}], "environment": {"A": "assign=1"},
            "environmentSettings": [{"name": "B", "value": "sign-in"}]}
    assert not carries_sas(task)
    assert secret_output_keys({"startTask": task}) == ["userPasswords", "secretValues"]


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


@pytest.fixture
def registered(monkeypatch):
    """The props and options BatchEnvironment's pools give the Pool resource, recorded under mocks."""
    pulumi.runtime.set_mocks(Mocks(), preview=False)
    seen: dict[str, tuple[dict[str, Any], pulumi.ResourceOptions]] = {}

    class RecordingPool(pool_component.Pool):
        def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None):
            seen[name] = (props, opts)
            super().__init__(name, props, opts)

    monkeypatch.setattr(pool_component, "Pool", RecordingPool)
    return seen


@pulumi.runtime.test
def test_a_sas_in_the_command_line_is_a_secret_input_and_output(registered):
    config = load_stack_file(stack_file("dev", PROJECT_DIR), environment="dev").config
    pool = config.pools[0]
    task = pool.start_task.model_copy(update={"command_line": SAS_COMMAND})
    config = config.model_copy(update={"pools": [pool.model_copy(update={"start_task": task})]})
    parent = pulumi.ComponentResource("batch-infra:test:Parent", "batch")
    pool_component.stack_pools(
        "batch", config=config, parent=parent, resource_group_name="rg", account_name="acct",
        account_id=pulumi.Output.from_input("/subscriptions/sub/resourceGroups/rg/providers/x/y/acct"),
        account_endpoint="acct.westeurope.batch.azure.com", subnet_id="subnet", depends_on=[],
    )
    props, opts = registered[f"batch-pool-{pool.id}"]
    assert isinstance(props["startTask"], pulumi.Output)
    assert "startTask" in opts.additional_secret_outputs

    def check(values: list[Any]) -> None:
        secret, command = values
        assert secret is True and command == SAS_COMMAND

    start = props["startTask"]
    return pulumi.Output.all(
        pulumi.Output.from_input(start.is_secret()), start.apply(lambda t: t["commandLine"])
    ).apply(check)


@pytest.mark.emulator
def test_read_never_returns_a_start_task_whose_command_line_carries_a_sas(server, clean_emulator, endpoint):
    checked, pool_id, outs = create(
        server, clean_emulator, endpoint, startTask={"commandLine": SAS_COMMAND, "elevation": "admin"}
    )
    _, found, inputs = server.read(pool_id, outs, checked)
    assert found["startTask"]["commandLine"] == SAS_COMMAND  # outputs: secret by additional_secret_outputs
    assert "startTask" not in inputs  # returned inputs are not covered by it: left out
