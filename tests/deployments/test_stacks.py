"""Every shipped stack through the test engine: preview, up, no-change preview, refresh, destroy."""

from __future__ import annotations

import pytest

from tests.deployments.conftest import engine_stack

pytestmark = [pytest.mark.slow, pytest.mark.emulator, pytest.mark.timeout(900)]  # several program runs each

MUTATING = {"PUT", "PATCH", "DELETE"}


# prod (private, locked) has its own lifecycle: tests/deployments/test_private_prod.py.
@pytest.mark.parametrize("name", ["dev", "staging"])
def test_shipped_stack_lifecycle(name, project, arm, clean_emulator) -> None:  # noqa: ANN001 - fixtures
    groups_before = arm.resource_groups()
    stack = engine_stack(project, name, clean_emulator)
    clean_emulator.clear_requests()

    preview = stack.preview()
    assert preview.ok, preview.render()
    assert preview.counts["create"] == len([s for s in preview.steps if s.op == "create"]) > 10
    requests = clean_emulator.requests()
    # A first preview changes nothing and needs nothing the stack has not created yet.
    assert [r for r in requests if r["method"] in MUTATING] == []
    assert [r for r in requests if r["status"] >= 400] == []

    up = stack.up()
    assert up.ok, up.render()
    assert up.ops() == preview.ops(), "up did not do what the preview said"

    again = stack.preview(expect_no_changes=True)
    assert again.ok, again.render()

    refresh = stack.refresh()
    assert refresh.ok, refresh.render()
    assert [s for s in refresh.steps if s.op == "delete"] == []
    after_refresh = stack.preview(expect_no_changes=True)
    assert after_refresh.ok, after_refresh.render()

    destroy = stack.destroy()
    assert destroy.ok, destroy.render()
    assert stack.state() == []
    assert sorted(arm.resource_groups()) == sorted(groups_before)
    print(
        f"\n{name}: preview {preview.seconds:.1f}s, up {up.seconds:.1f}s, "
        f"no-change preview {again.seconds:.1f}s, "
        f"refresh {refresh.seconds:.1f}s, destroy {destroy.seconds:.1f}s; {up.summary()}"
    )
