"""BatchEnvironment's pools under Pulumi's mocks: one Pool per configured pool, with the account's inputs."""

from __future__ import annotations

import pytest

from batch_infra.config import load_stack_file, stack_file
from batch_infra.pool_changes import classify
from batch_infra.providers.pool_spec import config_of
from tests.fixtures.plans import PROJECT_DIR, STACKS


@pytest.mark.parametrize("stack", STACKS)
def test_each_configured_pool_is_a_pool_resource_in_the_account(planned, stack):
    config = load_stack_file(stack_file(stack, PROJECT_DIR), environment=stack).config
    names = config.names()
    pools = {r.name: r for r in planned(stack).resources if r.type == "pulumi-python:dynamic/pool:Pool"}
    assert set(pools) == {f"batch-pool-{p.id}" for p in config.pools}
    for pool in config.pools:
        inputs = pools[f"batch-pool-{pool.id}"].properties
        assert config_of(inputs) == pool  # the config travels unchanged
        assert (
            inputs["accountName"] == names.batch_account
            and inputs["resourceGroupName"] == names.resource_group
        )
        assert inputs["accountEndpoint"] == f"{names.batch_account}.{config.location}.batch.azure.com"
        assert inputs["subscriptionId"] == "00000000-0000-0000-0000-000000000000"
        assert inputs["policies"]["imageEndOfLifeWindowDays"] == config.policies.image_end_of_life_window_days
        if pool.network.subnet == "environment":
            assert inputs["subnetId"].endswith(f"/subnets/{names.subnet}")
        else:
            assert "subnetId" not in inputs
        assert "userPasswords" not in inputs  # no stack declares a password secret
        assert classify(inputs, inputs).changes == ()  # every input key has a change rule
