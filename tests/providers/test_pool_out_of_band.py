"""A start task edited outside batch-infra: read back fails naming the pool and the fix, not a raw error."""

from __future__ import annotations

import base64
from types import SimpleNamespace

import pytest

from batch_infra.errors import BatchInfraError
from batch_infra.providers.pool_readback import read_back
from batch_infra.providers.pool_spec import SSH_KEYS_ENV, build
from tests.providers.harness import ProviderCallError
from tests.providers.pool_support import ACCOUNT, RG, azure_pool, create, inputs_for

USER = [{"name": "ops", "sshPublicKeys": ["ssh-ed25519 AAAAC3Nza ops@host"]}]


def with_ssh_keys_value(body: dict, value: str) -> dict:
    task = body["properties"]["startTask"]
    task["environmentSettings"] = [
        {"name": e["name"], "value": value if e["name"] == SSH_KEYS_ENV else e["value"]}
        for e in task["environmentSettings"]
    ]
    return body


@pytest.mark.parametrize(
    "value",
    ["not base64 at all!", "b3B", base64.b64encode(b"ops \xff\xfe key\n").decode()],
    ids=["not-base64", "bad-padding", "not-utf8"],
)
def test_an_undecodable_ssh_keys_value_names_the_pool_and_the_fix(value):
    no_emulator = SimpleNamespace(info={"subscription_id": "sub"})
    inputs = inputs_for(no_emulator, "acct.westeurope.batch.azure.com", userAccounts=USER)
    inputs["resolvedImage"] = {"publisher": "canonical", "offer": "ubuntu-24_04-lts", "sku": "server",
                               "version": "latest", "nodeAgentSkuId": "batch.node.ubuntu 24.04"}
    pool = {"name": "render", **with_ssh_keys_value(build(inputs, with_passwords=False), value)}
    with pytest.raises(BatchInfraError) as err:
        read_back(pool, inputs)
    assert f"pool 'render': the start task's {SSH_KEYS_ENV}" in err.value.message
    assert f"remove {SSH_KEYS_ENV} or restore" in (err.value.fix or "")


@pytest.mark.emulator
def test_refresh_of_a_pool_whose_ssh_keys_were_edited_out_of_band_fails_with_guidance(
    server, clean_emulator, endpoint
):
    checked, pool_id, outs = create(server, clean_emulator, endpoint, userAccounts=USER)
    edited = with_ssh_keys_value({"properties": azure_pool(clean_emulator)["properties"]}, "oops")
    clean_emulator.batch_mgmt_client().pool.update(
        RG, ACCOUNT, "render", {"properties": {"startTask": edited["properties"]["startTask"]}}
    )
    with pytest.raises(ProviderCallError) as err:
        server.read(pool_id, outs, checked)
    assert f"pool 'render': the start task's {SSH_KEYS_ENV} environment setting" in err.value.details
    assert "fix: in the pool's start task" in err.value.details
