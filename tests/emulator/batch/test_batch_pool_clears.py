"""Explicit clears in Pool_Update / Pool_Create bodies (startTask {}, [] lists, identity None), per Azure."""

from __future__ import annotations

import pytest

from batch_infra.providers.azure_clients import blob_client_from_sas
from tests.emulator.batch.helpers import RG, make_account, needs_storage, pool_body, raw

pytestmark = [pytest.mark.emulator, needs_storage]

START_TASK = {"commandLine": "/bin/true", "waitForSuccess": True}
USERS = [{"name": "runner", "password": "Secret-123", "elevationLevel": "NonAdmin"}]


@pytest.fixture
def batch(clean_emulator):
    clean_emulator.settings(allocation_delay_seconds=60)
    make_account(clean_emulator, storage="stclears")
    client = clean_emulator.batch_mgmt_client()
    client.application.create(RG, "batchacct", "tool", {})
    package = client.application_package.create(RG, "batchacct", "tool", "1.0")
    blob_client_from_sas(package.storage_url).upload_blob(b"PK\x05\x06" + bytes(18))
    client.application_package.activate(RG, "batchacct", "tool", "1.0", {"format": "zip"})
    return client


def _pool_url(batch) -> str:
    return batch.pool.get(RG, "batchacct", "p1").id


def test_patch_clears_remove_start_task_lists_and_identity(batch, clean_emulator):
    identity = clean_emulator.user_assigned_identity("id1")["id"]  # Azure refuses one that does not exist
    app_id = batch.application.get(RG, "batchacct", "tool").id
    body = pool_body(
        dedicated=0,
        startTask=START_TASK,
        metadata=[{"name": "team", "value": "render"}],
        applicationPackages=[{"id": app_id, "version": "1.0"}],
        userAccounts=USERS,
    )
    body["identity"] = {"type": "UserAssigned", "userAssignedIdentities": {identity: {}}}
    batch.pool.create(RG, "batchacct", "p1", body)
    url = _pool_url(batch)
    clears = {"startTask": {}, "metadata": [], "applicationPackages": [], "userAccounts": []}
    patched = raw(batch, "PATCH", url, {"identity": {"type": "None"}, "properties": clears})
    assert patched.status_code == 200, patched.text()
    served = raw(batch, "GET", url).json()
    assert not set(clears) & set(served["properties"]), served["properties"]
    assert served["identity"] == {"type": "None"}
    pool = batch.pool.get(RG, "batchacct", "p1")
    assert pool.start_task is None and pool.metadata is None and pool.application_packages is None


def test_a_clear_of_what_the_pool_lacks_is_no_change_while_it_has_nodes(batch, clean_emulator):
    batch.pool.create(RG, "batchacct", "p1", pool_body(dedicated=1, startTask=START_TASK))
    clean_emulator.advance_clock(61)
    assert batch.pool.get(RG, "batchacct", "p1").current_dedicated_nodes == 1
    url = _pool_url(batch)
    # userAccounts needs 0 nodes to change; [] on a pool without user accounts changes nothing.
    patched = raw(batch, "PATCH", url, {"properties": {"userAccounts": [], "startTask": {}}})
    assert patched.status_code == 200, patched.text()
    assert "startTask" not in raw(batch, "GET", url).json()["properties"]


def test_null_leaves_a_property_as_it_is(batch):
    batch.pool.create(RG, "batchacct", "p1", pool_body(dedicated=0, startTask=START_TASK))
    url = _pool_url(batch)
    assert raw(batch, "PATCH", url, {"properties": {"startTask": None}}).status_code == 200
    assert raw(batch, "GET", url).json()["properties"]["startTask"]["commandLine"] == "/bin/true"


def test_create_with_empty_clears_has_none_of_them(batch):
    batch.pool.create(
        RG, "batchacct", "p1", pool_body(dedicated=0, startTask={}, metadata=[], userAccounts=[])
    )
    props = raw(batch, "GET", _pool_url(batch)).json()["properties"]
    assert not {"startTask", "metadata", "userAccounts"} & set(props)
