"""Updates that meet a pool between allocation states: Stopping is waited out, never stopped again."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.providers.pool_support import ACCOUNT, RG, azure_pool, create

pytestmark = pytest.mark.emulator


def pool_calls(emulator):
    requests = emulator.requests()
    return [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in requests if "/pools/" in r["path"]]


def stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_an_update_during_stopping_waits_for_steady_then_patches(server, clean_emulator, endpoint):
    checked, pool_id, outs = create(server, clean_emulator, endpoint)
    clean_emulator.settings(allocation_delay_seconds=600, stop_resize_delay_seconds=0.4)
    batch = clean_emulator.batch_mgmt_client()
    grow = {"properties": {"scaleSettings": {"fixedScale": {"targetDedicatedNodes": 3}}}}
    batch.pool.update(RG, ACCOUNT, "render", grow)  # someone resizes by hand, then stops it
    stopped = batch.pool.stop_resize(RG, ACCOUNT, "render").as_dict()["properties"]
    assert stopped["allocationState"] == "Stopping"
    news, _ = server.check(checked, {**checked, "metadata": {"owner": "render-team"}})
    clean_emulator.clear_requests()
    outs = server.update(pool_id, outs, news)
    calls = pool_calls(clean_emulator)
    assert ("POST", "stopResize") not in calls  # a Stopping pool is not stopped again
    patch = calls.index(("PATCH", "render"))
    assert patch > 1 and calls[:patch] == [("GET", "render")] * patch  # GETs saw Stopping, the last Steady
    pool = azure_pool(clean_emulator)["properties"]
    steady_at = stamp(pool["allocationStateTransitionTime"])  # a metadata PATCH starts no resize
    assert (steady_at - stamp(stopped["allocationStateTransitionTime"])).total_seconds() == pytest.approx(0.4)
    assert stamp(pool["lastModified"]) >= steady_at  # the PATCH, on the emulator's clock, came after Steady
    assert outs["metadata"] == {"owner": "render-team"} and outs["allocationState"] == "Steady"


def test_emptying_an_autoscale_pool_waits_for_the_late_resize_before_the_empty_pool_change(
    server, clean_emulator, endpoint
):
    auto = {"formula": "$TargetDedicatedNodes = 1;", "maxDedicatedNodes": 2}
    checked, pool_id, outs = create(server, clean_emulator, endpoint, scale=auto)
    assert outs["currentDedicatedNodes"] == 1
    # Azure evaluates a changed formula and starts its resize asynchronously: Steady, 1 node, for 0.5s.
    clean_emulator.settings(autoscale_resize_delay_seconds=0.5)
    capped = {**checked, "scale": {**auto, "maxDedicatedNodes": 0, "maxSpotNodes": 0}, "taskSlotsPerNode": 2}
    news, _ = server.check(checked, capped)
    clean_emulator.clear_requests()
    outs = server.update(pool_id, outs, news)
    assert [c for c in pool_calls(clean_emulator) if c[0] == "PATCH"] == [("PATCH", "render")] * 2
    pool = azure_pool(clean_emulator)["properties"]
    assert (pool["taskSlotsPerNode"], pool["currentDedicatedNodes"]) == (2, 0)
    assert (outs["taskSlotsPerNode"], outs["currentDedicatedNodes"]) == (2, 0)


def test_a_pool_that_keeps_its_nodes_after_scaling_to_zero_fails_naming_it(monkeypatch):
    from batch_infra.errors import BatchInfraError
    from batch_infra.providers import pool_ops

    busy = {"properties": {"allocationState": "Steady", "currentDedicatedNodes": 3}}
    monkeypatch.setattr(pool_ops, "_first_delay", lambda _inputs: 0.01)
    monkeypatch.setattr(pool_ops, "get_pool", lambda _inputs: dict(busy))
    with pytest.raises(BatchInfraError, match=r"pool 'render' still had 3 node\(s\) \(Steady\)") as err:
        pool_ops.wait_empty({"id": "render"}, dict(busy), timeout_seconds=0.05)
    assert "autoscale run" in (err.value.fix or "")
