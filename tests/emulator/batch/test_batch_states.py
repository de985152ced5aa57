"""Batch resources in transition: writes refused while an account is not Succeeded or a pool is Deleting,
long-running operations finished by the clock (not by polls), If-Match on a missing pool."""

from __future__ import annotations

import pytest
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.emulator.batch.helpers import LOCATION, RG, make_account, pool_body

pytestmark = pytest.mark.emulator


def _refused(call, *args, **kwargs) -> tuple[int, str]:
    with pytest.raises(HttpResponseError) as refused:
        call(*args, **kwargs)
    return refused.value.status_code, refused.value.error.code


def test_children_wait_for_the_account_to_finish_creating(clean_emulator):
    clean_emulator.resource_client().resource_groups.create_or_update(RG, {"location": LOCATION})
    batch = clean_emulator.batch_mgmt_client()
    clean_emulator.settings(lro_delay_seconds=60)
    batch.batch_account.begin_create(RG, "batchacct", {"location": LOCATION}, polling=False)
    assert batch.batch_account.get(RG, "batchacct").provisioning_state == "Creating"
    assert _refused(batch.pool.create, RG, "batchacct", "p1", pool_body()) == (409, "AccountBeingCreated")
    assert _refused(batch.application.create, RG, "batchacct", "tool") == (409, "AccountBeingCreated")
    clean_emulator.advance_clock(61)
    assert batch.batch_account.get(RG, "batchacct").provisioning_state == "Succeeded"  # no poll needed
    assert batch.pool.create(RG, "batchacct", "p1", pool_body()).name == "p1"


def test_a_deleting_account_refuses_writes_and_disappears_when_its_time_comes(clean_emulator):
    make_account(clean_emulator)
    batch = clean_emulator.batch_mgmt_client()
    clean_emulator.settings(lro_delay_seconds=60)
    batch.batch_account.begin_delete(RG, "batchacct", polling=False)
    assert batch.batch_account.get(RG, "batchacct").provisioning_state == "Deleting"
    assert _refused(batch.pool.create, RG, "batchacct", "p1", pool_body()) == (409, "AccountBeingDeleted")
    assert _refused(batch.application.create, RG, "batchacct", "tool") == (409, "AccountBeingDeleted")
    clean_emulator.advance_clock(61)
    with pytest.raises(ResourceNotFoundError):
        batch.batch_account.get(RG, "batchacct")


def test_a_deleting_pool_is_readable_but_refuses_writes(clean_emulator):
    make_account(clean_emulator)
    batch = clean_emulator.batch_mgmt_client()
    batch.pool.create(RG, "batchacct", "p1", pool_body(dedicated=0))
    clean_emulator.settings(lro_delay_seconds=60)
    batch.pool.begin_delete(RG, "batchacct", "p1", polling=False)
    assert batch.pool.get(RG, "batchacct", "p1").provisioning_state == "Deleting"
    for call, args in (
        (batch.pool.create, (pool_body(),)),
        (batch.pool.update, ({"properties": {"metadata": []}},)),
        (batch.pool.stop_resize, ()),
        (batch.pool.disable_auto_scale, ()),
        (batch.pool.begin_delete, ()),
    ):
        assert _refused(call, RG, "batchacct", "p1", *args) == (409, "PoolBeingDeleted"), call
    clean_emulator.advance_clock(61)
    with pytest.raises(ResourceNotFoundError):
        batch.pool.get(RG, "batchacct", "p1")


def test_if_match_on_a_missing_pool_is_404(clean_emulator):
    make_account(clean_emulator)
    batch = clean_emulator.batch_mgmt_client()
    with pytest.raises(ResourceNotFoundError) as missing:
        batch.pool.create(
            RG, "batchacct", "ghost", pool_body(),
            etag='W/"0x8D000"', match_condition=MatchConditions.IfNotModified,
        )
    assert missing.value.error.code == "PoolNotFound"
