"""Changes to a deployed dev stack through the test engine: each pool change class, --replace, re-cased and
removed pools, a secret nested config value. Each preview must say exactly what the following up does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deployments.conftest import engine_stack
from tests.engine.operations import Stack
from tests.engine.result import Result

pytestmark = [pytest.mark.slow, pytest.mark.emulator, pytest.mark.timeout(900)]  # several program runs each

POOL = "batch-pool-dev-small"
PACKAGE = "batch-package-renderer-2.4.0"


def edit_pool(project: Path, change: Any) -> None:
    path = project / "stacks" / "Pulumi.dev.yaml"
    data = yaml.safe_load(path.read_text())
    pools = data["config"]["batch-infra:pools"]
    change(pools)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def preview_then_up(stack: Stack, **expected: str) -> tuple[Result, Result]:
    preview = stack.preview()
    assert preview.ok, preview.render()
    up = stack.up()
    assert up.ok, up.render()
    assert up.ops() == preview.ops(), f"preview said:\n{preview.render()}\nup did:\n{up.render()}"
    for name, op in expected.items():
        assert preview.step(name).op == op, preview.render()
    return preview, up


def azure_pools(emulator, stack: Stack) -> dict[str, Any]:  # noqa: ANN001 - fixture object
    account = next(s for s in stack.state() if s.type == "azure-native:batch:BatchAccount")
    client = emulator.batch_mgmt_client()
    group = account.outputs["id"].split("/resourceGroups/")[1].split("/")[0]
    return {pool.name: pool for pool in client.pool.list_by_batch_account(group, account.outputs["name"])}


def state_of(stack: Stack, name: str) -> Any:
    return next(s for s in stack.state() if s.urn.endswith("::" + name))


def deployed_dev(project: Path, emulator) -> Stack:  # noqa: ANN001 - fixture object
    stack = engine_stack(project, "dev", emulator)
    up = stack.up()
    assert up.ok, up.render()
    return stack


def test_each_pool_change_class_does_what_its_preview_said(project, clean_emulator) -> None:  # noqa: ANN001
    stack = deployed_dev(project, clean_emulator)

    # update-live: metadata reaches running nodes
    edit_pool(project, lambda pools: pools[0]["metadata"].update(owner="render-team"))
    preview, _ = preview_then_up(stack, **{POOL: "update"})
    assert "metadata" in preview.step(POOL).diffs
    assert {m.name: m.value for m in azure_pools(clean_emulator, stack)["dev-small"].metadata}["owner"] == (
        "render-team"
    )

    # update-when-empty: scale to 0 (live), then change the task slots of the now empty pool
    edit_pool(project, lambda pools: pools[0]["scale"].update(targetDedicatedNodes=0))
    preview_then_up(stack, **{POOL: "update"})
    edit_pool(project, lambda pools: pools[0].update(taskSlotsPerNode=4))
    preview_then_up(stack, **{POOL: "update"})
    assert azure_pools(clean_emulator, stack)["dev-small"].task_slots_per_node == 4

    # replace: Azure cannot clear a display name, so removing it replaces the pool
    edit_pool(project, lambda pools: pools[0].pop("displayName"))
    preview, _ = preview_then_up(stack, **{POOL: "replace"})
    assert "displayName" in preview.step(POOL).replaces
    assert "dev-small" in azure_pools(clean_emulator, stack)


def test_up_replace_keeps_the_pool_and_the_package_version(project, clean_emulator) -> None:  # noqa: ANN001
    stack = deployed_dev(project, clean_emulator)
    for name in (POOL, PACKAGE):
        urn = state_of(stack, name).urn
        replaced = stack.up(replace=[urn])
        assert replaced.ok, replaced.render()
        assert replaced.step(name).op == "replace"
    assert state_of(stack, POOL).id and "dev-small" in azure_pools(clean_emulator, stack)
    account = next(s for s in stack.state() if s.type == "azure-native:batch:BatchAccount")
    group = account.outputs["id"].split("/resourceGroups/")[1].split("/")[0]
    version = clean_emulator.batch_mgmt_client().application_package.get(
        group, account.outputs["name"], "renderer", "2.4.0"
    )
    assert version.state == "Active"
    assert stack.preview(expect_no_changes=True).ok


def test_recased_pool_id_names_the_same_batch_pool(project, clean_emulator) -> None:  # noqa: ANN001
    stack = deployed_dev(project, clean_emulator)

    # a re-cased pool id names the same Batch pool: no delete
    edit_pool(project, lambda pools: pools[0].update(id="Dev-Small"))
    preview = stack.preview()
    assert preview.ok, preview.render()
    destructive = [s for s in preview.steps if s.op in ("delete", "replace") and "pool" in s.type.lower()]
    assert destructive == [], f"Batch pool ids are case-insensitive: no delete or replace\n{preview.render()}"
    assert stack.up().ok
    assert {name.lower() for name in azure_pools(clean_emulator, stack)} == {"dev-small"}


def test_secret_nested_value_then_removed_pool(project, clean_emulator) -> None:  # noqa: ANN001
    stack = deployed_dev(project, clean_emulator)

    # a secret nested value keeps the pools (the whole key becomes secret, not dropped)
    stack.config_set(
        "batch-infra:pools[0].startTask.environment.TOKEN", "s3cret-token", secret=True, path=True
    )
    preview = stack.preview()
    assert preview.ok, preview.render()
    assert preview.counts["delete"] == 0, preview.render()
    assert stack.up().ok
    assert "s3cret-token" not in stack.checkpoint.path.read_text()
    assert "s3cret-token" not in (project / "stacks" / "Pulumi.dev.yaml").read_text()

    # a pool removed from the config is deleted
    edit_pool(project, lambda pools: pools.clear())
    preview, _ = preview_then_up(stack)
    assert [s.name for s in preview.steps if s.op == "delete"] == [POOL]
    assert azure_pools(clean_emulator, stack) == {}
