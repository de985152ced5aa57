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


def _inputs(emulator: Any, endpoint: str, pool: Any) -> dict[str, Any]:
    return pool_inputs(
        pool,
        subscription_id=emulator.info["subscription_id"],
        resource_group_name=RG,
        account_name=ACCOUNT,
        account_endpoint=endpoint,
        location=LOCATION,
        policies={"imageEndOfLifeWindowDays": 90, "imageEndOfLifeAction": "warn"},
        secret_values={k: SECRETS[k] for k in pool.secret_keys()},
        # The stack's subnet (BatchEnvironment creates it); the emulator does not resolve subnet ids.
        subnet_id=f"/subscriptions/{emulator.info['subscription_id']}/resourceGroups/{RG}/providers/"
        "Microsoft.Network/virtualNetworks/vnet/subnets/pools",
    )


@pytest.mark.parametrize(("stack", "index"), [(s, i) for s in STACKS for i in range(len(_pools(s)))])
def test_example_pool_lifecycle(server, clean_emulator, endpoint, stack, index):
    pool = _pools(stack)[index]
    checked, failures = server.check({}, _inputs(clean_emulator, endpoint, pool))
    assert failures == []
    pool_id, outs = server.create(checked)
    assert server.diff(pool_id, outs, checked).changes is False
    _, refreshed, _ = server.read(pool_id, outs)
    assert server.diff(pool_id, refreshed, checked).changes is False
    assert "secretValues" not in (server.read(pool_id, outs)[2] or {})
    # Live: metadata. Update-when-empty: tags (with the pool emptied first when it has nodes).
    for change in ({"metadata": {"example": stack}}, {"tags": {"changed": "yes"}, **_empty(checked)}):
        news, failures = server.check(checked, {**checked, **change})
        assert failures == [] and server.diff(pool_id, refreshed, news).replaces == []
        refreshed = server.update(pool_id, refreshed, news)
        checked = news
        _, again, _ = server.read(pool_id, refreshed)
        assert server.diff(pool_id, again, checked).changes is False
    key, value = REPLACING[f"{stack}/{pool.id}"]
    replaced = copy.deepcopy(checked)
    if value is None:
        replaced.pop(key)
    else:
        replaced[key] = value
    news, failures = server.check(checked, replaced)
    assert failures == [] and key in server.diff(pool_id, refreshed, news).replaces
    server.delete(pool_id, refreshed)
    left = clean_emulator.batch_mgmt_client().pool.list_by_batch_account(RG, ACCOUNT)
    assert pool.id not in [p.name for p in left]


def _empty(inputs: dict[str, Any]) -> dict[str, Any]:
    scale = inputs["scale"]
    if "formula" in scale:
        return {}  # the example formulas ask for nodes only for pending tasks: the pool is empty
    return {"scale": {**scale, "targetDedicatedNodes": 0}}
