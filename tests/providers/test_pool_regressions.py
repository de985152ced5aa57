"""Regressions from the pool provider's review (issue 5), each through the SDK's provider server (gRPC)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from batch_infra.providers import pool_ops
from batch_infra.providers.pool_adopt import WRITABLE_PROPERTIES
from batch_infra.providers.pool_spec import build
from tests.providers.harness import ProviderCallError
from tests.providers.pool_support import ACCOUNT, RG, azure_pool, create, harness, inputs_for

pytestmark = pytest.mark.emulator
CLIENT_ID = {"certificate_identity_client_id": "00000000-0000-0000-0000-000000000001"}
SPEC = Path(__file__).resolve().parents[2] / "batch_infra/emulator/specs"


def pools(emulator):
    return [p.name for p in emulator.batch_mgmt_client().pool.list_by_batch_account(RG, ACCOUNT)]


def create_out_of_band(emulator, body):
    emulator.batch_mgmt_client().pool.create(RG, ACCOUNT, "render", body)
    time.sleep(0.3)  # past the allocation delay: Steady


def test_create_never_deletes_an_adopted_pool_with_resize_errors(server, clean_emulator, endpoint):
    checked, _ = server.check({}, inputs_for(clean_emulator, endpoint, scale={"targetDedicatedNodes": 5}))
    clean_emulator.set_quotas(ACCOUNT, dedicatedCoreQuota=4)
    create_out_of_band(clean_emulator, build(checked))  # someone's production pool, 2 of 5 nodes
    with pytest.raises(ProviderCallError, match="matches the config, but its last resize failed") as err:
        server.create(checked)
    assert "AccountCoreQuotaReached" in err.value.details and "never deletes" in err.value.details
    assert pools(clean_emulator) == ["render"]


@pytest.mark.parametrize(
    ("name", "mutate"),
    [
        ("mountConfiguration", lambda p: p.__setitem__("mountConfiguration", [{
            "azureFileShareConfiguration": {
                "accountName": "acct", "azureFileUrl": "https://acct.file.core.windows.net/share",
                "accountKey": "a2V5", "relativeMountPath": "data"}}])),
        ("startTask.userIdentity.autoUser.scope",
         lambda p: p["startTask"]["userIdentity"]["autoUser"].__setitem__("scope", "Task")),
        ("extensions", lambda p: p["deploymentConfiguration"]["virtualMachineConfiguration"].__setitem__(
            "extensions", [{"name": "mon", "publisher": "Microsoft.Azure.Monitor",
                            "type": "AzureMonitorLinuxAgent", "typeHandlerVersion": "1.0"}])),
        # Azure takes start task container settings only on a container pool (the emulator refuses others).
        ("startTask.containerSettings", lambda p: (
            p["startTask"].__setitem__("containerSettings", {"imageName": "busybox"}),
            p["deploymentConfiguration"]["virtualMachineConfiguration"].__setitem__(
                "containerConfiguration", {"type": "DockerCompatible"}))),
        ("upgradePolicy", lambda p: p.__setitem__("upgradePolicy", {"mode": "automatic"})),
    ],
)
def test_adoption_compares_every_writable_property(server, clean_emulator, endpoint, name, mutate):
    checked, _ = server.check({}, inputs_for(clean_emulator, endpoint,
                                             startTask={"commandLine": "/bin/true"}))
    body = build(checked, with_passwords=False)
    mutate(body["properties"])
    create_out_of_band(clean_emulator, body)
    with pytest.raises(ProviderCallError, match=r"already exists.*differs") as err:
        server.create(checked)
    assert name in err.value.details
    assert pools(clean_emulator) == ["render"]


def test_writable_properties_are_the_specs_pool_properties_without_read_only_ones():
    spec = json.loads((SPEC / "batch-mgmt-2025-06-01.json").read_text())
    props = spec["definitions"]["PoolProperties"]["properties"]
    writable = {name for name, schema in props.items() if not schema.get("readOnly")}
    assert writable == set(WRITABLE_PROPERTIES)


def test_ssh_keys_with_a_nonadmin_start_task_fail_check_and_elevation_is_read_back(
    server, clean_emulator, endpoint
):
    user = [{"name": "ops", "sshPublicKeys": ["ssh-ed25519 AAAAC3Nza ops@host"]}]
    nonadmin = inputs_for(clean_emulator, endpoint, userAccounts=user,
                          startTask={"commandLine": "/bin/true", "elevation": "admin"})
    nonadmin["startTask"]["elevation"] = "nonadmin"  # inputs the config model refuses to build
    _, failures = server.check({}, nonadmin)
    assert [f.property for f in failures] == ["startTask.elevation"]
    assert "fix: set startTask.elevation: admin, or remove the start task" in failures[0].reason
    checked, pool_id, outs = create(server, clean_emulator, endpoint, userAccounts=user,
                                    startTask={"commandLine": "echo $HOME", "elevation": "admin"})
    clean_emulator.batch_mgmt_client().pool.update(RG, ACCOUNT, "render", {"properties": {"startTask": {
        **azure_pool(clean_emulator)["properties"]["startTask"],
        "userIdentity": {"autoUser": {"scope": "Pool", "elevationLevel": "NonAdmin"}}}}})
    _, refreshed, _ = server.read(pool_id, outs)
    assert refreshed["startTask"]["elevation"] == "nonadmin"  # what Azure runs, not what was asked
    assert server.diff(pool_id, refreshed, checked).changes is True


def test_certificate_change_replaces_and_azure_refuses_an_extension_patch(server, clean_emulator, endpoint):
    identity = clean_emulator.user_assigned_identity("pool-id")["id"]  # Azure refuses a missing one
    checked, pool_id, outs = create(server, clean_emulator, endpoint, scale={"targetDedicatedNodes": 0},
                                    identities=[identity])
    with_certs = inputs_for(
        clean_emulator, endpoint, scale={"targetDedicatedNodes": 0}, identities=[identity], _extra=CLIENT_ID,
        certificates={"certificateUrls": ["https://vault1.vault.azure.net/secrets/c"], "identity": identity},
    )
    news, _ = server.check(checked, with_certs)
    assert set(server.diff(pool_id, outs, news).replaces) == {"certificates", "certificateIdentityClientId"}
    vm = build(news)["properties"]["deploymentConfiguration"]
    with pytest.raises(Exception, match="PropertyCannotBeUpdated"):  # even with 0 nodes
        clean_emulator.batch_mgmt_client().pool.update(RG, ACCOUNT, "render", {
            "properties": {"deploymentConfiguration": vm}})


def test_stale_resize_errors_do_not_fail_a_later_update(server, clean_emulator, endpoint):
    checked, _ = server.check({}, inputs_for(clean_emulator, endpoint, scale={"targetDedicatedNodes": 3}))
    clean_emulator.set_quotas(ACCOUNT, dedicatedCoreQuota=4)
    create_out_of_band(clean_emulator, build(checked))  # an earlier resize failed: 2 of 3 nodes
    outs = server.record("render", checked, {**checked, "currentDedicatedNodes": 2}).outputs
    news, _ = server.check(checked, {**checked, "metadata": {"owner": "me"}})
    outs = server.update("render", outs, news)
    assert outs["metadata"] == {"owner": "me"}
    # A resize this update starts does surface its own errors.
    bigger, _ = server.check(news, {**news, "scale": {"targetDedicatedNodes": 4}})
    with pytest.raises(ProviderCallError, match="AccountCoreQuotaReached"):
        server.update("render", outs, bigger)


def test_ssh_key_only_change_updates_the_start_task_live(server, clean_emulator, endpoint):
    keys = ["ssh-ed25519 AAAAC3Nza ops@host"]
    checked, pool_id, outs = create(server, clean_emulator, endpoint,
                                    userAccounts=[{"name": "ops", "sshPublicKeys": keys}])
    news, _ = server.check(checked, {**checked, "userAccounts": [
        {**checked["userAccounts"][0], "sshPublicKeys": [*keys, "ssh-rsa AAAAB3 ops@b"]}]})
    assert server.diff(pool_id, outs, news).changes is True  # no empty-pool refusal with 1 node
    clean_emulator.clear_requests()
    outs = server.update(pool_id, outs, news)
    (patch,) = [r for r in clean_emulator.requests() if r["method"] == "PATCH"]
    assert outs["userAccounts"][0]["sshPublicKeys"][-1] == "ssh-rsa AAAAB3 ops@b"
    _, refreshed, _ = server.read(pool_id, outs)
    assert server.diff(pool_id, refreshed, news).changes is False


def test_autoscale_pool_guidance_names_the_maximums_not_the_targets(server, clean_emulator, endpoint):
    auto = {"formula": "$TargetDedicatedNodes = 1;", "maxDedicatedNodes": 2}
    checked, pool_id, outs = create(server, clean_emulator, endpoint, scale=auto)
    news, _ = server.check(checked, {**checked, "taskSlotsPerNode": 2})
    with pytest.raises(ProviderCallError, match="maxDedicatedNodes: 0") as err:
        server.diff(pool_id, {**outs, "currentDedicatedNodes": 1}, news)
    assert "targetDedicatedNodes" not in err.value.details


def test_engine_shaped_import_cannot_reach_a_python_dynamic_provider(server, clean_emulator, endpoint):
    """The engine's import step calls Read with the id alone (no state, no inputs). The SDK's dynamic
    provider server finds the provider in `__provider` of those properties, so it fails with KeyError
    before any provider code runs: `pulumi import` of a dynamic resource is impossible (SDK limitation).
    The supported path is adoption of an identical existing pool on create (test_pool.py)."""
    _, pool_id, _ = create(server, clean_emulator, endpoint)
    with pytest.raises(ProviderCallError, match="KeyError: '__provider'"):
        server.import_(pool_id)


def test_delete_wait_is_bounded_with_an_actionable_error(clean_emulator, endpoint):
    with harness(clean_emulator) as fresh:
        checked, _ = fresh.check({}, inputs_for(clean_emulator, endpoint))
        pool_id, outs = fresh.create(checked)
    clean_emulator.settings(lro_delay_seconds=600)
    slow = harness(clean_emulator)
    slow._env[pool_ops.DELETE_TIMEOUT_ENV] = "0.5"
    with slow, pytest.raises(ProviderCallError, match="'render'.*still being deleted after") as err:
        slow.delete(pool_id, outs)
    assert pool_ops.DELETE_TIMEOUT_ENV in err.value.details
