"""Child identity is public API: each stack's URNs are pinned in snapshots/<stack>.json.

Renaming a child or changing a type token fails here. If the change is deliberate, add `aliases` for the
old URNs so existing stacks are not replaced, then rewrite the snapshots with UPDATE_SNAPSHOTS=1.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.fixtures.plans import STACKS

SNAPSHOTS = Path(__file__).parent / "snapshots"


def snapshot_of(plan) -> list[dict[str, str | None]]:
    return [{"urn": r.urn, "parent": r.parent} for r in plan.resources]


@pytest.mark.parametrize("stack", STACKS)
def test_urns_match_the_checked_in_snapshot(planned, stack):
    path = SNAPSHOTS / f"{stack}.json"
    actual = snapshot_of(planned(stack))
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(json.dumps(actual, indent=2) + "\n")
    assert path.is_file(), f"{path} is missing; create it with UPDATE_SNAPSHOTS=1"
    expected = json.loads(path.read_text())
    missing = sorted({e["urn"] for e in expected} - {a["urn"] for a in actual})
    added = sorted({a["urn"] for a in actual} - {e["urn"] for e in expected})
    assert not missing and not added, (
        f"URNs changed for stack {stack}: gone {missing}, new {added}. Existing stacks would replace these "
        "resources: add aliases for the old URNs, then rerun with UPDATE_SNAPSHOTS=1"
    )
    assert actual == expected, (
        f"parents changed for stack {stack}; rerun with UPDATE_SNAPSHOTS=1 if deliberate"
    )
