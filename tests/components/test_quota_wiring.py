"""BatchEnvironment's QuotaCheck: reads the stack's account, fed every pool at its maximum node counts."""

from __future__ import annotations

import pytest

from batch_infra.config import load_stack_file, stack_file
from batch_infra.ops.mock_azure import arm_id
from tests.fixtures.plans import PROJECT_DIR, STACKS


@pytest.mark.parametrize("stack", STACKS)
def test_the_quota_check_reads_the_stacks_account_with_every_pool_at_its_maximum(planned, stack):
    plan = planned(stack)
    config = load_stack_file(stack_file(stack, PROJECT_DIR), environment=stack).config
    check = next(r for r in plan.resources if r.name == "batch-quota")
    names = config.names()
    expected_account = arm_id(
        "azure-native:batch:BatchAccount",
        {"resourceGroupName": names.resource_group, "accountName": names.batch_account},
    )
    assert check.properties["account_id"] == expected_account
    assert check.properties["location"] == config.location
    assert check.properties["threshold"] == config.policies.quota_warning_threshold
    assert check.properties["applications"] == [a.id for a in config.applications]
    assert check.properties["pools"] == [
        {
            "pool_id": p.id,
            "vm_size": p.vm_size,
            "max_dedicated_nodes": p.scale.max_dedicated,
            "max_spot_nodes": p.scale.max_spot,
        }
        for p in config.pools
    ]
    assert check.properties["pools"], "every checked-in stack declares at least one pool"
