"""Resource options the engine acts on: replace order of fixed names, case-folded pool URNs with aliases."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from batch_infra.config import load_stack_file, stack_file
from batch_infra.ops.plan import PlannedResource, pulumi_config_values, run_under_mocks
from batch_infra.program import build
from tests.fixtures.plans import PROJECT_DIR, STACKS

POOL = "pulumi-python:dynamic/pool:Pool"
PACKAGE = "pulumi-python:dynamic/app_package:ApplicationPackage"


def plan_edited(stack: str, edit: Callable[[dict[str, Any]], None]) -> list[PlannedResource]:
    """The stack's program under mocks, after `edit` changed its config (key -> decoded value)."""
    path = stack_file(stack, PROJECT_DIR)
    config, secret_keys = pulumi_config_values(path, load_stack_file(path, environment=stack))
    decoded = {k: json.loads(v) if v[:1] in "[{" else v for k, v in config.items()}
    edit(decoded)
    encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in decoded.items()}
    resources, _ = run_under_mocks(
        lambda: build(PROJECT_DIR), stack=stack, config=encoded, secret_keys=secret_keys
    )
    return resources


@pytest.mark.parametrize("stack", STACKS)
def test_fixed_name_dynamic_resources_are_deleted_before_they_are_replaced(planned, stack):
    fixed = [r for r in planned(stack).resources if r.type in (POOL, PACKAGE)]
    assert fixed and all(r.delete_before_replace for r in fixed)


def test_a_recased_pool_id_keeps_its_urn_through_an_alias():
    def recase(config: dict[str, Any]) -> None:
        config["batch-infra:pools"][0]["id"] = "Render"

    resources = {r.name: r for r in plan_edited("prod", recase)}
    pool = resources["batch-pool-render"]
    assert pool.inputs["id"] == "Render"  # Azure gets the id as written; it compares ids case-insensitively
    assert pool.aliases == ("batch-pool-Render",)
    assert "batch-pool-Render" not in resources


def test_lowercase_pool_ids_need_no_alias(planned):
    pools = [r for r in planned("prod").resources if r.type == POOL]
    assert [r.aliases for r in pools] == [(), ()]
