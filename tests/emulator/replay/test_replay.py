"""Microsoft's published REST examples, replayed against the emulator: every row of manifest.json must pass,
or be listed as an exception with its reason (an exception that starts passing fails until it is removed)."""

from __future__ import annotations

import pytest

from tests.emulator.replay import results
from tests.emulator.replay.client import EmulatorHttp
from tests.emulator.replay.manifest import load
from tests.emulator.replay.replay import replay

pytestmark = pytest.mark.emulator
ROWS = load()


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_example_replays(clean_emulator, row):
    result = replay(EmulatorHttp(clean_emulator.info), row)
    results.record(result)
    if row.exception and result.passed:
        pytest.fail(f"{row.example} now passes: remove its exception ('{row.exception}') from manifest.json")
    if row.exception:
        pytest.xfail(f"listed exception: {row.exception}")
    differs = f"{row.example} ({row.operation}) differs from Microsoft's example:"
    assert result.passed, "\n  ".join([differs, *result.problems])
