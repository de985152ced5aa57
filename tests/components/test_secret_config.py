"""Secret structured config: a secure value inside batch-infra:pools keeps the pools and their secrecy.

Regression test for issue 11 defect 6: the engine lists the whole top-level key in PULUMI_CONFIG_SECRET_KEYS
when any nested value is secure (`pulumi config set --secret --path 'batch-infra:pools[0]...'`), and the
loader dropped such keys: 0 pools, so the next `up` deleted them all.
"""

from __future__ import annotations

from typing import Any

from pulumi.runtime.rpc import is_rpc_secret, unwrap_rpc_secret

from tests.fixtures.plans import plan_edited

POOL = "pulumi-python:dynamic/pool:Pool"
QUOTA = "pulumi-python:dynamic/quota:QuotaCheck"


def _token_in_the_render_pool(config: dict[str, Any]) -> None:
    config["batch-infra:pools"][0]["startTask"]["environment"] = {"LICENSE_TOKEN": "s3cr3t-token"}


def test_a_secure_value_inside_pools_keeps_every_pool_and_every_value_it_feeds_secret():
    resources = plan_edited("prod", _token_in_the_render_pool, secret_keys=("batch-infra:pools",))
    pools = {r.name: r for r in resources if r.type == POOL}
    assert sorted(pools) == ["batch-pool-encode", "batch-pool-render"]
    render = pools["batch-pool-render"]
    config_keys = ("id", "vmSize", "startTask", "scale", "image")
    assert all(is_rpc_secret(render.inputs[key]) for key in config_keys)
    assert unwrap_rpc_secret(render.inputs["startTask"])["environment"] == {"LICENSE_TOKEN": "s3cr3t-token"}
    assert set(config_keys) <= set(render.additional_secret_outputs)  # and the same-named outputs
    (quota,) = [r for r in resources if r.type == QUOTA]
    assert is_rpc_secret(quota.inputs["pools"])
    assert all(not is_rpc_secret(r.inputs.get("accountName")) for r in pools.values())  # not from pools


def test_without_secure_values_nothing_becomes_secret():
    resources = plan_edited("prod", _token_in_the_render_pool)
    render = next(r for r in resources if r.name == "batch-pool-render")
    assert not is_rpc_secret(render.inputs["startTask"])
    assert "startTask" not in render.additional_secret_outputs
