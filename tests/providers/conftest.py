"""Fixtures of the pool provider tests: one provider server per module and a fresh Batch account per test."""

from __future__ import annotations

import pytest

from tests.providers.pool_support import harness, make_account


@pytest.fixture(scope="module")
def server(emulator):
    with harness(emulator) as provider:
        yield provider


@pytest.fixture
def endpoint(clean_emulator):
    clean_emulator.settings(allocation_delay_seconds=0.05)
    return make_account(clean_emulator)
