"""The example stacks (examples/stacks) through the test engine on the emulator, as a user would run them.

Each: secrets set with `config set --secret`, up, no-change preview, refresh, destroy. The genomics stack
also takes one change of each class to its pool (live: metadata; update-when-empty: tags; replace: an
extension), each followed by a no-change preview; tests/providers/test_pool_examples.py makes those three
changes to every pool of every example through the provider (the engine costs ~20 s per operation here).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from batch_infra.config import load_stack_file
from tests.deployments.conftest import REPO, engine_stack

pytestmark = [pytest.mark.slow, pytest.mark.emulator]
EXAMPLES = REPO / "examples" / "stacks"
SECRETS = {
    "genomicsFilesKey": "ZmlsZXMta2V5",
    "customScriptSettings": json.dumps({"commandToExecute": "true"}),
}
MONITOR = {"name": "monitor", "publisher": "Microsoft.Azure.Monitor", "type": "AzureMonitorLinuxAgent"}
# The first pool's replacing change per example: (key, new value or None to remove it).
REPLACING: dict[str, tuple[str, Any]] = {
    "genomics": ("extensions", [MONITOR]),
    "gpu": ("securityProfile", None),
    "mpi": ("network", {"subnet": "environment", "publicIpProvisioning": "BatchManaged"}),
    "gallery": ("id", "tools2"),
    "vmext": ("extensions", None),
}
# Examples whose VM family a new Batch account has no cores for (Azure's default for GPU families is 0):
# the first `up` stops at the quota check, naming the family; the user gets the quota, then `up` works.
QUOTA_FIRST = {"gpu": ("standardNCADSA100v4Family", 96)}


@pytest.mark.parametrize("name", sorted(REPLACING))
def test_example_stack_lifecycle(name, project, arm, clean_emulator) -> None:  # noqa: ANN001 - fixtures
    """up, no-change preview, refresh (no change left), destroy; genomics also takes one change per class."""
    stack, stack_file = _stack(name, project, arm, clean_emulator)
    up = stack.up()
    if name in QUOTA_FIRST:
        family, cores = QUOTA_FIRST[name]
        assert not up.ok and f"dedicated cores  {family}" in up.render(), up.render()
        account = load_stack_file(stack_file).config.names().batch_account
        clean_emulator.set_quotas(
            account, dedicatedCoreQuotaPerVMFamily=[{"name": family, "coreQuota": cores}]
        )
        up = stack.up()
    assert up.ok, up.render()
    _no_changes(stack)
    refresh = stack.refresh()
    assert refresh.ok, refresh.render()
    assert [s for s in refresh.steps if s.op == "delete"] == []
    _no_changes(stack)  # after refresh: no phantom diff
    _assert_no_secret_in_state(project)
    if name == "genomics":  # one change of each class through the engine (every example: test_pool_examples)
        pool = _edit(stack_file, lambda p: p.__setitem__("metadata", {"example": name}))
        _applied(stack, "update", pool)
        pool = _edit(stack_file, lambda p: (p.__setitem__("tags", {"changed": "yes"}), _empty(p)))
        _applied(stack, "update", pool)
        key, value = REPLACING[name]
        pool = _edit(stack_file, lambda p: p.pop(key) if value is None else p.__setitem__(key, value))
        _applied(stack, "replace", pool)
    destroy = stack.destroy()
    assert destroy.ok, destroy.render()
    assert stack.state() == []
    print(f"\n{name}: up {up.seconds:.1f}s, refresh {refresh.seconds:.1f}s, destroy {destroy.seconds:.1f}s")


def _stack(name: str, project: Path, arm: Any, emulator: Any) -> tuple[Any, Path]:
    """The example copied into the project as a user would, its identities made, its secrets set."""
    stack_file = project / "stacks" / f"Pulumi.{name}.yaml"
    shutil.copy2(EXAMPLES / stack_file.name, stack_file)
    arm.create_identities(stack_file)
    stack = engine_stack(project, name, emulator)
    for key in sorted(SECRETS):
        if key in stack_file.read_text():
            stack.config_set(f"batch-infra:{key}", SECRETS[key], secret=True)
    return stack, stack_file


def _no_changes(stack: Any) -> None:
    again = stack.preview(expect_no_changes=True)
    assert again.ok, again.render()


def _applied(stack: Any, op: str, pool_id: str) -> None:
    """`up` does `op` to the pool (and nothing else), and nothing is left to change."""
    up = stack.up()
    assert up.ok, up.render()
    ops = {urn.rsplit("::", 1)[-1]: o for urn, o in up.ops().items() if o != "same"}
    assert [o for urn, o in ops.items() if urn.endswith(f"-pool-{pool_id}")] == [op], ops
    _no_changes(stack)


def _edit(stack_file: Path, change: Any) -> str:
    """Apply `change` to the first pool of the stack file; returns the pool id it was made to."""
    document = yaml.safe_load(stack_file.read_text())
    pool = document["config"]["batch-infra:pools"][0]
    pool_id = pool["id"]
    change(pool)
    stack_file.write_text(yaml.safe_dump(document, sort_keys=False))
    return pool_id


def _empty(pool: dict[str, Any]) -> None:
    if "formula" not in pool["scale"]:
        pool["scale"]["targetDedicatedNodes"] = 0


def _assert_no_secret_in_state(project: Path) -> None:
    text = "".join(p.read_text(errors="replace") for p in (project / ".state").rglob("*") if p.is_file())
    leaked = [key for key, value in SECRETS.items() if value in text]
    assert leaked == [], f"secret values in plaintext state: {leaked}"
