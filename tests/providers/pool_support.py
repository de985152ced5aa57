"""Shared setup of the pool provider tests and benchmark: an account in the emulator and pool inputs."""

from __future__ import annotations

from typing import Any

from batch_infra.config.pools import PoolConfig
from batch_infra.providers import azure_clients
from batch_infra.providers.pool import TYPE_TOKEN, PoolProvider
from batch_infra.providers.pool_spec import pool_inputs
from tests.providers.harness import ProviderHarness

RG = "rg-pools"
LOCATION = "westeurope"
ACCOUNT = "poolsacct"
# Batch opens no SSH port by default (API 2024-07-01+), so a pool with users needs this NAT pool.
SSH_ENDPOINT = {"inboundNatPools": [{
    "name": "ssh", "protocol": "TCP", "backendPort": 22, "frontendPortRangeStart": 40000,
    "frontendPortRangeEnd": 40099,
    "networkSecurityGroupRules": [
        {"priority": 150, "access": "Allow", "sourceAddressPrefix": "203.0.113.0/24"}
    ],
}]}
SSH_NETWORK = {"subnet": "none", "endpointConfiguration": SSH_ENDPOINT}


def make_account(emulator: Any, name: str = ACCOUNT) -> str:
    """Resource group + Batch account; returns the account endpoint."""
    emulator.resource_client().resource_groups.create_or_update(RG, {"location": LOCATION})
    account = (
        emulator.batch_mgmt_client()
        .batch_account.begin_create(RG, name, {"location": LOCATION, "properties": {}})
        .result()
    )
    return account.as_dict()["properties"]["accountEndpoint"]


def inputs_for(emulator: Any, endpoint: str, **config: Any) -> dict[str, Any]:
    """Pool provider inputs for a config (defaults: one Standard_D2s_v5 node of Ubuntu 24.04, no VNet; with
    user accounts, the SSH NAT pool they need)."""
    body = {
        "id": "render",
        "vmSize": "Standard_D2s_v5",
        "image": {"os": "ubuntu 24.04"},
        "scale": {"targetDedicatedNodes": 1},
        "network": SSH_NETWORK if config.get("userAccounts") else {"subnet": "none"},
        **config,
    }
    extra = body.pop("_extra", {})
    pool = PoolConfig.model_validate(body)
    return pool_inputs(
        pool,
        subscription_id=emulator.info["subscription_id"],
        resource_group_name=RG,
        account_name=ACCOUNT,
        account_endpoint=endpoint,
        location=LOCATION,
        policies={"imageEndOfLifeWindowDays": 60, "imageEndOfLifeAction": "fail"},
        **extra,
    )


def harness(emulator: Any, name: str = "render") -> ProviderHarness:
    """A provider server pointed at the emulator (LRO and steady polls without waiting)."""
    env = {azure_clients.EMULATOR_ENV: str(emulator.ready_file), azure_clients.POLLING_ENV: "0"}
    return ProviderHarness(PoolProvider(), urn_type=TYPE_TOKEN, name=name, env=env)


def pool_path(pool_id: str = "render") -> str:
    return f"/resourceGroups/{RG}/providers/Microsoft.Batch/batchAccounts/{ACCOUNT}/pools/{pool_id}"


def create(server: ProviderHarness, emulator: Any, endpoint: str, **config: Any) -> tuple[dict, str, dict]:
    """Check then create a pool from `config` through the provider server; returns (inputs, id, outputs)."""
    checked, failures = server.check({}, inputs_for(emulator, endpoint, **config))
    assert failures == []
    pool_id, outs = server.create(checked)
    return checked, pool_id, outs


def azure_pool(emulator: Any, pool_id: str = "render") -> dict[str, Any]:
    """The pool as Azure (the emulator) holds it."""
    return emulator.batch_mgmt_client().pool.get(RG, ACCOUNT, pool_id).as_dict()
