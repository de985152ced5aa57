"""Fault injection as tests rely on it: the SDK honours Retry-After on a throttled pool PUT, and a seed gives
the same probabilistic fault pattern in every emulator process started with it."""

from __future__ import annotations

import time

import pytest

from tests.emulator.batch.helpers import RG, make_account, pool_body
from tests.emulator.test_framework import call, rg_path
from tests.fixtures.emulator import EmulatorProcess

pytestmark = pytest.mark.emulator


def test_pool_put_throttled_with_retry_after_waits_then_succeeds(clean_emulator):
    make_account(clean_emulator)
    batch = clean_emulator.batch_mgmt_client()
    clean_emulator.add_fault(r"/pools/p1$", method="PUT", status=429, retry_after=1, count=2)
    clean_emulator.clear_requests()
    began = time.monotonic()
    pool = batch.pool.create(RG, "batchacct", "p1", pool_body())
    waited = time.monotonic() - began
    assert pool.name == "p1"
    puts = [e for e in clean_emulator.requests() if e["method"] == "PUT"]
    assert [e["status"] for e in puts] == [429, 429, 200]
    # Two Retry-After: 1 answers: the SDK slept at least 2 s in between, far more than the requests took.
    served_ms = sum(e["duration_ms"] for e in puts)
    assert waited >= 2.0 and served_ms < 1000


def _coin_pattern(emulator: EmulatorProcess) -> list[int]:
    emulator.reset()  # reseeds the fault RNG with the process's --seed
    emulator.resource_client().resource_groups.create_or_update("rg-coin", {"location": "westeurope"})
    emulator.add_fault("/resourcegroups/rg-coin", method="HEAD", status=500, probability=0.5)
    for _ in range(24):
        call(emulator, "HEAD", rg_path(emulator, "rg-coin"))
    return [e["status"] for e in emulator.requests() if e["method"] == "HEAD"]


def test_the_seed_decides_the_fault_pattern_across_processes(emulator, tmp_path):
    first = _coin_pattern(emulator)  # the session emulator runs with --seed 1234
    assert 0 < first.count(500) < len(first)
    same = EmulatorProcess(tmp_path / "same", seed=emulator.seed).start()
    other = EmulatorProcess(tmp_path / "other", seed=emulator.seed + 1).start()
    try:
        assert _coin_pattern(same) == first
        assert _coin_pattern(other) != first
    finally:
        same.stop()
        other.stop()


def test_a_rule_with_an_api_version_faults_only_that_clients_calls(clean_emulator):
    """Two clients on one path (batch-infra's providers at one api-version, azure-native at another): a rule
    naming one api-version leaves the other's calls alone."""
    clean_emulator.resource_client().resource_groups.create_or_update("rg-two", {"location": "westeurope"})
    clean_emulator.add_fault("/resourcegroups/rg-two", method="HEAD", status=503, api_version="2024-03-01")
    old = call(clean_emulator, "HEAD", rg_path(clean_emulator, "rg-two", "2024-03-01"))
    new = call(clean_emulator, "HEAD", rg_path(clean_emulator, "rg-two", "2025-04-01"))
    assert (old[0], new[0]) == (503, 204)
    assert clean_emulator.admin("GET", "/faults")[0]["api_version"] == "2024-03-01"
