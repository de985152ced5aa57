"""Resource options the engine acts on: replace order of fixed names, case-folded pool URNs with aliases."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.plans import STACKS, plan_edited

POOL = "pulumi-python:dynamic/pool:Pool"
PACKAGE = "pulumi-python:dynamic/app_package:ApplicationPackage"


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
    # The alias is the URN the pool had under its as-configured name, so its state carries over.
    assert [a.rsplit("::", 1)[-1] for a in pool.aliases] == ["batch-pool-Render"]
    assert pool.aliases[0] == pool.urn.replace("::batch-pool-render", "::batch-pool-Render")
    assert "batch-pool-Render" not in resources


def test_lowercase_pool_ids_need_no_alias(planned):
    pools = [r for r in planned("prod").resources if r.type == POOL]
    assert [r.aliases for r in pools] == [(), ()]
