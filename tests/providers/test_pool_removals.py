"""Removing a config property reaches Azure (explicit clear) or replaces the pool: round trips via gRPC.

Pool PATCH leaves out-of-body properties untouched, so a removal sent as "nothing" would stay in Azure and
diff forever. Each removable property: diff, update, Azure's body, then refresh shows no diff.
"""

from __future__ import annotations

import pytest

from tests.providers.pool_support import ACCOUNT, RG, inputs_for

pytestmark = pytest.mark.emulator
IDENTITY = "<the pool identity>"  # replaced by a user-assigned identity created in the emulator
EMPTY = {"targetDedicatedNodes": 0}
KEYS = [{"name": "ops", "sshPublicKeys": ["ssh-ed25519 AAAAC3Nza ops@host"]}]


def azure_properties(emulator):
    pool = emulator.batch_mgmt_client().pool.get(RG, ACCOUNT, "render").as_dict()
    return pool["properties"], pool.get("identity") or {}


@pytest.mark.parametrize(
    ("key", "config", "gone"),
    [
        ("startTask", {"startTask": {"commandLine": "/bin/true"}},
         lambda props, _: not props.get("startTask")),
        ("metadata", {"metadata": {"owner": "me"}}, lambda props, _: not props.get("metadata")),
        # keys only: the installer start task goes too
        ("userAccounts", {"userAccounts": KEYS, "scale": EMPTY},
         lambda props, _: not props.get("userAccounts") and not props.get("startTask")),
        ("identities", {"identities": [IDENTITY], "scale": EMPTY},
         lambda _, identity: identity.get("type") == "None"),
    ],
)
def test_removal_is_sent_as_azures_clear_and_refresh_shows_no_diff(
    server, clean_emulator, endpoint, key, config, gone
):
    if config.get("identities") == [IDENTITY]:  # Azure refuses an identity that does not exist
        config = {**config, "identities": [clean_emulator.user_assigned_identity("pool-id")["id"]]}
    checked, failures = server.check({}, inputs_for(clean_emulator, endpoint, **config))
    assert failures == []
    pool_id, outs = server.create(checked)
    news, _ = server.check(checked, {k: v for k, v in checked.items() if k != key})
    diff = server.diff(pool_id, outs, news)
    assert diff.changes is True and diff.replaces == []
    outs = server.update(pool_id, outs, news)
    assert gone(*azure_properties(clean_emulator))
    _, refreshed, _ = server.read(pool_id, outs)
    assert server.diff(pool_id, refreshed, news).changes is False


@pytest.mark.parametrize(
    ("key", "config", "removed"),
    [
        ("displayName", {"displayName": "Render"}, {}),
        ("osDisk", {"osDisk": {"diskSizeGB": 64}}, {}),
        ("dataDisks", {"dataDisks": [{"lun": 0, "diskSizeGB": 128}]}, {}),
        ("network", {"network": {"subnet": "none", "acceleratedNetworking": True}},
         {"network": {"subnet": "none"}}),
    ],
)
def test_removal_azure_cannot_clear_replaces_the_pool(server, clean_emulator, endpoint, key, config, removed):
    checked, failures = server.check({}, inputs_for(clean_emulator, endpoint, scale=EMPTY, **config))
    assert failures == []
    pool_id, outs = server.create(checked)
    without = {k: v for k, v in checked.items() if k != key}
    news, _ = server.check(checked, {**without, **{k: v for k, v in inputs_for(
        clean_emulator, endpoint, scale=EMPTY, **removed).items() if k in removed}})
    assert key in server.diff(pool_id, outs, news).replaces  # whatever onImmutableChange says
