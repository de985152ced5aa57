"""The pool provider through the SDK's own provider server (gRPC) against the emulator."""

from __future__ import annotations

import base64

import dill
import pytest

from batch_infra.providers.pool import TYPE_TOKEN, PoolProvider
from tests.providers.harness import ProviderCallError
from tests.providers.pool_support import (
    ACCOUNT,
    RG,
    azure_pool,
    create,
    harness,
    inputs_for,
    pool_path,
)

pytestmark = pytest.mark.emulator


def paths(emulator):
    return [
        (r["method"], r["path"].split("/pools/")[-1] if "/pools/" in r["path"] else r["path"], r["status"])
        for r in emulator.requests()
    ]


def test_create_fixed_pool_waits_for_steady_and_records_the_image(server, clean_emulator, endpoint):
    checked, pool_id, outs = create(
        server,
        clean_emulator,
        endpoint,
        taskSlotsPerNode=2,
        metadata={"purpose": "render"},
        startTask={"commandLine": "/bin/bash -c 'echo hi'", "elevation": "admin"},
    )
    assert pool_id.endswith(pool_path())
    assert outs["allocationState"] == "Steady" and outs["currentDedicatedNodes"] == 1
    assert checked["resolvedImage"]["nodeAgentSkuId"] == "batch.node.ubuntu 24.04"
    props = azure_pool(clean_emulator)["properties"]
    vm = props["deploymentConfiguration"]["virtualMachineConfiguration"]
    assert vm["imageReference"]["sku"] == "server" and vm["nodeAgentSkuId"] == "batch.node.ubuntu 24.04"
    assert props["taskSlotsPerNode"] == 2 and props["metadata"] == [{"name": "purpose", "value": "render"}]
    assert props["startTask"]["userIdentity"]["autoUser"]["elevationLevel"] == "Admin"
    assert props["scaleSettings"]["fixedScale"]["resizeTimeout"] == "PT15M"


def test_unchanged_inputs_diff_to_nothing_with_zero_http_calls(server, clean_emulator, endpoint):
    checked, pool_id, outs = create(server, clean_emulator, endpoint)
    clean_emulator.clear_requests()
    diff = server.diff(pool_id, outs, checked)
    assert diff.changes is False and diff.replaces == []
    assert clean_emulator.requests() == []


def test_refresh_shows_no_phantom_diff_and_import_reads_the_same(server, clean_emulator, endpoint):
    checked, pool_id, outs = create(
        server,
        clean_emulator,
        endpoint,
        displayName="Render",
        nodeFillType="Pack",
        interNodeCommunication=True,
        scale={"targetDedicatedNodes": 2, "resizeTimeout": "PT20M"},
        osDisk={"diskSizeGB": 64},
        dataDisks=[{"lun": 0, "diskSizeGB": 128}],
        startTask={
            "commandLine": "/bin/true",
            "environment": {"A": "1"},
            "maxTaskRetryCount": 2,
            "elevation": "admin",
        },
        userAccounts=[{"name": "ops", "sshPublicKeys": ["ssh-ed25519 AAAAC3Nza ops@host"]}],
    )
    clean_emulator.clear_requests()
    read_id, refreshed, read_inputs = server.read(pool_id, outs)
    assert read_id == pool_id and paths(clean_emulator) == [("GET", "render", 200)]
    assert server.diff(pool_id, refreshed, checked).changes is False
    assert refreshed == outs
    # Read returns inputs too (ReadResult(id, outs, inputs)), so the engine's recorded inputs follow Azure:
    # the next run checks the program's inputs against them and diffs against the refreshed outputs.
    program = {k: v for k, v in checked.items() if k != "resolvedImage"}  # the program never sends it
    rechecked, failures = server.check(read_inputs, program)
    assert failures == [] and rechecked == checked
    assert server.diff(pool_id, refreshed, rechecked, old_inputs=read_inputs).changes is False


def test_ssh_keys_reach_nodes_through_the_start_task(server, clean_emulator, endpoint):
    key = "ssh-ed25519 AAAAC3Nza ops@host"
    create(
        server,
        clean_emulator,
        endpoint,
        userAccounts=[{"name": "ops", "sshPublicKeys": [key]}],
        startTask={"commandLine": "/bin/bash -c 'make'", "elevation": "admin"},
    )
    props = azure_pool(clean_emulator)["properties"]
    env = {e["name"]: e["value"] for e in props["startTask"]["environmentSettings"]}
    assert base64.b64decode(env["BATCH_INFRA_SSH_KEYS"]).decode() == f"ops {key}\n"
    assert env["BATCH_INFRA_START_COMMAND"] == "/bin/bash -c 'make'"  # verbatim, for read-back only
    # The user's command follows the installer as arguments (exec "$@"), never through eval.
    assert props["startTask"]["commandLine"].endswith("' batch-infra-ssh-keys /bin/bash -c make")
    assert "eval" not in props["startTask"]["commandLine"]
    assert props["startTask"]["userIdentity"]["autoUser"]["elevationLevel"] == "Admin"
    # The PUT carries a random password (tests/unit/test_pool_spec.py); Azure never echoes it back.
    assert props["userAccounts"][0]["name"] == "ops" and "password" not in props["userAccounts"][0]


def test_scale_change_updates_live(server, clean_emulator, endpoint):
    checked, pool_id, outs = create(server, clean_emulator, endpoint)
    news, _ = server.check(checked, {**checked, "scale": {"targetDedicatedNodes": 3}})
    diff = server.diff(pool_id, outs, news)
    assert diff.changes is True and diff.replaces == []
    clean_emulator.clear_requests()
    outs = server.update(pool_id, outs, news)
    assert outs["currentDedicatedNodes"] == 3 and outs["allocationState"] == "Steady"
    assert ("PATCH", "render", 200) in paths(clean_emulator)


def test_vm_size_change_replaces_when_the_pool_opts_in(server, clean_emulator, endpoint):
    checked, pool_id, outs = create(server, clean_emulator, endpoint, onImmutableChange="replace")
    news, failures = server.check(checked, {**checked, "vmSize": "Standard_D4s_v5"})
    assert failures == []
    diff = server.diff(pool_id, outs, news)
    assert diff.replaces == ["vmSize"] and diff.delete_before_replace
    server.delete(pool_id, outs)  # the engine deletes first: pool ids are names
    _, outs = server.create(news)
    assert azure_pool(clean_emulator)["properties"]["vmSize"].lower() == "standard_d4s_v5"


def test_vm_size_change_on_a_pool_with_nodes_fails_with_guidance_by_default(server, clean_emulator, endpoint):
    checked, pool_id, outs = create(server, clean_emulator, endpoint)
    news, _ = server.check(checked, {**checked, "vmSize": "Standard_D4s_v5"})
    clean_emulator.clear_requests()
    with pytest.raises(ProviderCallError, match=r"has 1 node\(s\).*vmSize") as err:
        server.diff(pool_id, outs, news)  # preview fails: Azure would refuse the update
    assert clean_emulator.requests() == []  # from the recorded outputs, no network call
    assert (
        "scale the pool to 0 nodes" in err.value.details and "onImmutableChange: replace" in err.value.details
    )
    with pytest.raises(ProviderCallError, match=r"has 1 node\(s\).*vmSize"):
        server.update(pool_id, {**outs, "currentDedicatedNodes": 0}, news)  # stale record: update checks live


def test_change_needing_an_empty_pool_is_applied_after_scaling_to_zero(server, clean_emulator, endpoint):
    checked, pool_id, outs = create(server, clean_emulator, endpoint)
    news, _ = server.check(
        checked, {**checked, "vmSize": "Standard_D4s_v5", "scale": {"targetDedicatedNodes": 0}}
    )
    clean_emulator.clear_requests()
    outs = server.update(pool_id, outs, news)
    assert outs["currentDedicatedNodes"] == 0
    assert azure_pool(clean_emulator)["properties"]["vmSize"].lower() == "standard_d4s_v5"
    assert [p for p in paths(clean_emulator) if p[0] == "PATCH"] == [("PATCH", "render", 200)] * 2


def test_image_selector_change_on_a_pool_with_nodes_fails_with_guidance(server, clean_emulator, endpoint):
    checked, pool_id, outs = create(server, clean_emulator, endpoint)
    news, failures = server.check(checked, {**checked, "image": {"os": "ubuntu 22.04"}})
    assert failures == [] and news["resolvedImage"]["nodeAgentSkuId"] == "batch.node.ubuntu 22.04"
    with pytest.raises(ProviderCallError, match=r"resolvedImage.*update-when-empty"):
        server.diff(pool_id, outs, news)
    with pytest.raises(ProviderCallError, match=r"resolvedImage.*update-when-empty"):
        server.update(pool_id, outs, news)
    vm = azure_pool(clean_emulator)["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]
    assert vm["nodeAgentSkuId"] == "batch.node.ubuntu 24.04"  # nothing was sent


def test_autoscale_pool_gets_the_capped_formula(server, clean_emulator, endpoint):
    formula = "$TargetDedicatedNodes = 2;"
    checked, pool_id, outs = create(
        server,
        clean_emulator,
        endpoint,
        scale={"formula": formula, "maxDedicatedNodes": 4, "evaluationInterval": "PT5M"},
    )
    assert outs["autoScaleFormula"].startswith(formula)
    assert (
        outs["autoScaleFormula"]
        .rstrip()
        .endswith(
            "$TargetDedicatedNodes = min($TargetDedicatedNodes, 4);\n"
            "$TargetLowPriorityNodes = min($TargetLowPriorityNodes, 0);"  # omitted maxSpotNodes: 0 (issue 7)
        )
    )
    auto = azure_pool(clean_emulator)["properties"]["scaleSettings"]["autoScale"]
    assert auto == {"formula": outs["autoScaleFormula"], "evaluationInterval": "PT5M"}
    _, refreshed, _ = server.read(pool_id, outs)
    assert server.diff(pool_id, refreshed, checked).changes is False


def test_invalid_formula_fails_check_with_its_position(server, clean_emulator, endpoint):
    scale = {"formula": "$TargetDedicatedNodes = 1;", "maxDedicatedNodes": 2}
    inputs = inputs_for(clean_emulator, endpoint, scale=scale)
    inputs["scale"]["formula"] = "$TargetDedicatedNodes = max(1, ;"  # the config model may refuse it first
    _, failures = server.check({}, inputs)
    assert [f.property for f in failures] == ["scale.formula"]
    assert "line 1, col" in failures[0].reason and "'render'" in failures[0].reason


def test_image_past_end_of_life_is_refused(server, clean_emulator, endpoint):
    focal = {"publisher": "canonical", "offer": "0001-com-ubuntu-server-focal", "sku": "20_04-lts*"}
    _, failures = server.check({}, inputs_for(clean_emulator, endpoint, image=focal))
    assert [f.property for f in failures] == ["image"]
    assert "ends Batch support" in failures[0].reason and "2025-04-23" in failures[0].reason


def test_vm_size_not_offered_in_the_region_fails_check(server, clean_emulator, endpoint):
    _, failures = server.check({}, inputs_for(clean_emulator, endpoint, vmSize="Standard_Nope_v9"))
    assert [f.property for f in failures] == ["vmSize"] and "not offered" in failures[0].reason


def test_core_quota_shortfall_surfaces_azures_error_and_leaves_no_pool(server, clean_emulator, endpoint):
    clean_emulator.set_quotas(ACCOUNT, dedicatedCoreQuota=4)
    checked, _ = server.check({}, inputs_for(clean_emulator, endpoint, scale={"targetDedicatedNodes": 5}))
    with pytest.raises(ProviderCallError, match="AccountCoreQuotaReached") as err:
        server.create(checked)
    assert "request a core quota increase" in err.value.details
    assert list(clean_emulator.batch_mgmt_client().pool.list_by_batch_account(RG, ACCOUNT)) == []


def test_injected_429_and_503_are_retried_to_success(server, clean_emulator, endpoint):
    checked, _ = server.check({}, inputs_for(clean_emulator, endpoint))
    clean_emulator.add_fault(r"/pools/render$", method="PUT", status=429, retry_after=0, count=1)
    clean_emulator.add_fault(r"/pools/render$", method="GET", status=503, count=2)
    clean_emulator.clear_requests()
    _, outs = server.create(checked)
    assert outs["allocationState"] == "Steady"
    statuses = [(m, s) for m, _, s in paths(clean_emulator)]
    assert ("PUT", 429) in statuses and ("PUT", 200) in statuses and statuses.count(("GET", 503)) == 2


def test_pool_deleted_out_of_band_reads_as_gone_and_is_recreated(server, clean_emulator, endpoint):
    checked, pool_id, outs = create(server, clean_emulator, endpoint)
    clean_emulator.batch_mgmt_client().pool.begin_delete(RG, ACCOUNT, "render").result()
    gone_id, _, _ = server.read(pool_id, outs)
    assert gone_id == ""
    new_id, outs = server.create(checked)
    assert new_id == pool_id and outs["allocationState"] == "Steady"


def test_identical_existing_pool_is_adopted_and_a_different_one_refused(server, clean_emulator, endpoint):
    checked, pool_id, outs = create(server, clean_emulator, endpoint)
    clean_emulator.clear_requests()
    adopted_id, adopted = server.create(checked)
    assert adopted_id == pool_id and adopted == outs
    assert [m for m, _, _ in paths(clean_emulator)] == ["GET"]  # looked, adopted, nothing written
    with pytest.raises(ProviderCallError, match=r"already exists.*taskSlotsPerNode") as err:
        server.create({**checked, "taskSlotsPerNode": 2})
    assert "choose another pool id" in err.value.details


def test_delete_waits_for_the_long_running_operation(server, clean_emulator, endpoint):
    _, pool_id, outs = create(server, clean_emulator, endpoint)
    server.delete(pool_id, outs)
    assert list(clean_emulator.batch_mgmt_client().pool.list_by_batch_account(RG, ACCOUNT)) == []
    server.delete(pool_id, outs)  # already gone: fine


def test_serialized_provider_holds_no_credentials_and_stays_small(server, clean_emulator):
    raw = base64.b64decode(server.serialized)
    assert len(server.serialized) < 1024, f"the pickled provider grew to {len(server.serialized)} bytes"
    for secret in (clean_emulator.info["token"], clean_emulator.info["subscription_id"], "ready.json"):
        assert secret.encode() not in raw
    provider = dill.loads(raw)
    assert isinstance(provider, PoolProvider) and vars(provider) == {}


IDENTITY = (
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pool-id"
)


def test_certificates_become_the_key_vault_extension_with_the_pool_identity(server, clean_emulator, endpoint):
    url = "https://contosovault.vault.azure.net/secrets/web-tls"
    identity = clean_emulator.user_assigned_identity("pool-id")["id"]  # Azure refuses a missing one
    checked, pool_id, outs = create(
        server,
        clean_emulator,
        endpoint,
        identities=[identity],
        certificates={"certificateUrls": [url], "identity": identity},
        _extra={"certificate_identity_client_id": "00000000-0000-0000-0000-000000000001"},
    )
    pool = azure_pool(clean_emulator)
    (extension,) = pool["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"]
    assert (extension["publisher"], extension["type"]) == ("Microsoft.Azure.KeyVault", "KeyVaultForLinux")
    settings = extension["settings"]
    assert settings["secretsManagementSettings"]["observedCertificates"] == [url]
    assert settings["authenticationSettings"]["msiClientId"] == "00000000-0000-0000-0000-000000000001"
    assert list(pool["identity"]["userAssignedIdentities"]) == [identity]
    _, refreshed, _ = server.read(pool_id, outs)
    assert server.diff(pool_id, refreshed, checked).changes is False


def test_certificates_without_the_identity_client_id_fail_check(server, clean_emulator, endpoint):
    inputs = inputs_for(
        clean_emulator,
        endpoint,
        identities=[IDENTITY],
        certificates={"certificateUrls": ["https://vault1.vault.azure.net/secrets/c"], "identity": IDENTITY},
    )
    _, failures = server.check({}, inputs)
    assert [f.property for f in failures] == ["certificateIdentityClientId"]


def test_retired_certificate_references_fail_check_with_the_date(server, clean_emulator, endpoint):
    inputs = inputs_for(clean_emulator, endpoint)
    _, failures = server.check({}, {**inputs, "certificateReferences": [{"thumbprint": "abc"}]})
    assert [f.property for f in failures] == ["certificateReferences"]
    assert "2024-02-29" in failures[0].reason and "Key Vault" in failures[0].reason


def test_image_list_and_vm_sizes_are_fetched_once_per_account_per_deployment(clean_emulator, endpoint):
    clean_emulator.clear_requests()
    with harness(clean_emulator) as fresh:  # a new provider server process = a new deployment
        for pool_id in ("a", "b", "c"):
            _, failures = fresh.check({}, inputs_for(clean_emulator, endpoint, id=pool_id))
            assert failures == []
    requests = [r["path"] for r in clean_emulator.requests()]
    assert sum(p.endswith("/supportedimages") for p in requests) == 1
    assert sum(p.endswith("/virtualMachineSkus") for p in requests) == 1
    assert len(requests) == 2


def test_update_stops_a_pending_resize_first(server, clean_emulator, endpoint):
    checked, pool_id, outs = create(server, clean_emulator, endpoint)
    clean_emulator.settings(allocation_delay_seconds=600)
    scale = {"properties": {"scaleSettings": {"fixedScale": {"targetDedicatedNodes": 3}}}}
    clean_emulator.batch_mgmt_client().pool.update(RG, ACCOUNT, "render", scale)  # someone resizes by hand
    news, _ = server.check(checked, {**checked, "metadata": {"owner": "render-team"}})
    clean_emulator.clear_requests()
    outs = server.update(pool_id, outs, news)
    methods = [(m, p) for m, p, _ in paths(clean_emulator)]
    assert methods.index(("POST", "render/stopResize")) < methods.index(("PATCH", "render"))
    assert outs["metadata"] == {"owner": "render-team"} and outs["allocationState"] == "Steady"


def test_up_replace_deletes_the_old_pool_first_so_the_new_one_exists(
    server, clean_emulator, endpoint, planned
):
    """`pulumi up --replace` skips Diff; only the resource option orders the delete first (issue 11, 4)."""
    (option,) = {r.delete_before_replace for r in planned("prod").resources if r.type == TYPE_TOKEN}
    first = server.up(inputs_for(clean_emulator, endpoint))
    replaced = server.up(
        inputs_for(clean_emulator, endpoint), first.state, replace=True, delete_before_replace=option
    )
    assert server.refresh(replaced.state) is not None  # the checkpoint's pool is Azure's pool
    assert replaced.state.id == first.state.id and azure_pool(clean_emulator)["name"] == "render"
    assert replaced.calls == ["Check", "Check", "Delete", "Create"]
