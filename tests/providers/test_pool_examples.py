"""The example stacks (examples/stacks) deploy on the emulator through the pool provider's gRPC server.

For every pool of every example: check, create, no-change diff, refresh without diff, a live change, an
update-when-empty change, the replacing change the example's sections have, then delete. This drives the
provider as the Pulumi engine does, one resource at a time; deploying the whole stacks through the test
engine (tests/engine) is left for when that engine is on main.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from batch_infra.config import load_stack_file
from batch_infra.providers.pool_spec import pool_inputs
from tests.providers.pool_support import ACCOUNT, LOCATION, RG

pytestmark = pytest.mark.emulator
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "stacks"
STACKS = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in EXAMPLES.glob("Pulumi.*.yaml"))
SECRETS = {
    "genomicsFilesKey": "ZmlsZXMta2V5",
    "customScriptSettings": json.dumps({"commandToExecute": "true"}),
}
MONITOR = {"name": "monitor", "publisher": "Microsoft.Azure.Monitor", "type": "AzureMonitorLinuxAgent"}
# The change that replaces each example pool, with the section that makes it a replacement.
REPLACING = {
    "genomics/align": ("extensions", [MONITOR]),
    "gpu/train": ("securityProfile", None),
    "mpi/mpi": ("id", "mpi2"),
    "gallery/tools": ("id", "tools2"),
    "vmext/linux-agents": ("extensions", None),
    "vmext/windows-render": ("id", "windows2"),
}


def test_there_are_the_five_environments_of_issue_13():
    assert STACKS == ["gallery", "genomics", "gpu", "mpi", "vmext"]


def _pools(stack: str) -> list[Any]:
    return list(load_stack_file(EXAMPLES / f"Pulumi.{stack}.yaml").config.pools)


def _with_emulator_identities(emulator: Any, pool: Any) -> Any:
    """The example identities swapped for ones created in the emulator (ARM refuses missing ones)."""
    text = json.dumps(pool.model_dump(by_alias=True, mode="json", exclude_none=True))
    for index, old in enumerate(pool.identities):
        text = text.replace(old, emulator.user_assigned_identity(f"example-{index}")["id"])
    return type(pool).model_validate(json.loads(text))


def _inputs(emulator: Any, endpoint: str, pool: Any) -> dict[str, Any]:
    pool = _with_emulator_identities(emulator, pool)
    return pool_inputs(
        pool,
        subscription_id=emulator.info["subscription_id"],
        resource_group_name=RG,
        account_name=ACCOUNT,
        account_endpoint=endpoint,
        location=LOCATION,
        policies={"imageEndOfLifeWindowDays": 90, "imageEndOfLifeAction": "warn"},
        secret_values={k: SECRETS[k] for k in pool.secret_keys()},
        subnet_id=_stack_subnet(emulator),
    )


def _stack_subnet(emulator: Any) -> str:
    """The stack's subnet, which BatchEnvironment creates: Batch refuses a pool in a subnet that does not
    exist ("Either the specified VNet does not exist, or the Batch service does not have access to it")."""
    vnet = {
        "location": LOCATION,
        "address_space": {"address_prefixes": ["10.0.0.0/16"]},
        "subnets": [{"name": "pools", "address_prefix": "10.0.0.0/24"}],
    }
    created = emulator.network_client().virtual_networks.begin_create_or_update(RG, "vnet", vnet).result()
    return str(created.subnets[0].id)


@pytest.mark.parametrize(("stack", "index"), [(s, i) for s in STACKS for i in range(len(_pools(s)))])
def test_example_pool_lifecycle(server, clean_emulator, endpoint, stack, index):
    pool = _pools(stack)[index]
    inputs = _inputs(clean_emulator, endpoint, pool)
    state = server.up(inputs).state
    assert server.preview(inputs, state).op == "same"
    state = server.refresh(state)
    assert server.preview(inputs, state).op == "same"
    # Refresh hands back inputs without secret values (they are not covered by the secret outputs).
    assert not any(value in json.dumps(state.inputs) for value in SECRETS.values())
    # Live: metadata. Update-when-empty: tags (with the pool emptied first when it has nodes).
    live = {**inputs, "metadata": {"example": stack}}
    when_empty = {**live, "tags": {"changed": "yes"}, **_empty(live)}
    for news in (live, when_empty):
        step = server.up(news, state)
        assert step.op == "update", step
        state = server.refresh(step.state)
        assert server.preview(news, state).op == "same"
    key, value = REPLACING[f"{stack}/{pool.id}"]
    replaced = copy.deepcopy(when_empty)
    if value is None:
        replaced.pop(key)
    else:
        replaced[key] = value
    step = server.up(replaced, state)
    assert step.op == "replace" and key in step.diff.replaces, step
    server.destroy(step.state)
    left = clean_emulator.batch_mgmt_client().pool.list_by_batch_account(RG, ACCOUNT)
    assert [p.name for p in left] == []


def _empty(inputs: dict[str, Any]) -> dict[str, Any]:
    scale = inputs["scale"]
    if "formula" in scale:
        return {}  # the example formulas ask for nodes only for pending tasks: the pool is empty
    return {"scale": {**scale, "targetDedicatedNodes": 0}}
