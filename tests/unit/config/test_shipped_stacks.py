"""The stacks this repo ships pass every rule the providers apply before Azure, not just the config model."""

from __future__ import annotations

from pathlib import Path

import pytest

from batch_infra.config import load_stack_file, stack_file
from batch_infra.providers.pool_spec import ssh_key_failures

PROJECT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_pool_passes_the_pool_providers_own_checks(stack):
    config = load_stack_file(stack_file(stack, PROJECT)).config
    for pool in config.pools:
        assert ssh_key_failures(pool, None) == [], pool.id
