"""Every shipped stack through the test engine: preview, up, no-change preview, refresh, destroy."""

from __future__ import annotations

import pytest

from tests.deployments.conftest import engine_stack

pytestmark = [pytest.mark.slow, pytest.mark.emulator]

MUTATING = {"PUT", "PATCH", "DELETE"}


# prod (private, locked) has its own lifecycle: tests/deployments/test_private_prod.py.
@pytest.mark.parametrize("name", ["dev", "staging"])
def test_shipped_stack_lifecycle(name, project, arm, clean_emulator) -> None:  # noqa: ANN001 - fixtures
    if name == "prod":
        arm.create_identities(project / "stacks" / "Pulumi.prod.yaml")
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
    if name == "prod" and not up.ok:
        up = _raise_quota_then_up_again(stack, up, clean_emulator)
    assert up.ok, up.render()
    assert up.ops() == preview.ops(), "up did not do what the preview said"

    again = stack.preview(expect_no_changes=True)
    assert again.ok, again.render()

    refresh = stack.refresh()
    assert refresh.ok, refresh.render()
    assert [s for s in refresh.steps if s.op == "delete"] == []
    after_refresh = stack.preview(expect_no_changes=True)
    assert after_refresh.ok, after_refresh.render()

    if name == "prod":  # the shipped policy protects group, storage and account: destroy refuses
        refused = stack.destroy()
        assert not refused.ok and "protect" in refused.render(), refused.render()
        stack_file = project / "stacks" / "Pulumi.prod.yaml"  # the user lifts the policy, then ups
        text = stack_file.read_text()
        for policy in ("protectStatefulResources", "retainOnDelete"):
            text = text.replace(f"{policy}: true", f"{policy}: false")
        stack_file.write_text(text)
        lift = stack.up()
        assert lift.ok, lift.render()
        assert not any(lift.counts.get(op) for op in ("create", "replace", "delete")), lift.render()

    destroy = stack.destroy()
    assert destroy.ok, destroy.render()
    assert stack.state() == []
    assert sorted(arm.resource_groups()) == sorted(groups_before)
    print(
        f"\n{name}: preview {preview.seconds:.1f}s, up {up.seconds:.1f}s, "
        f"no-change preview {again.seconds:.1f}s, "
        f"refresh {refresh.seconds:.1f}s, destroy {destroy.seconds:.1f}s; {up.summary()}"
    )


def _raise_quota_then_up_again(stack, failed, emulator):  # noqa: ANN001, ANN202 - fixtures
    """A new account gets starter quotas (100 cores per VM family); prod's render pool needs 20 x 16 vCPUs.

    The QuotaCheck refuses before any pool is made and says to request an increase: the user does, then runs
    `pulumi up` again, which creates what the first run could not.
    """
    assert [d["urn"].rsplit("::", 1)[-1] for d in failed.errors() if d["urn"]] == ["batch-quota"], (
        failed.render()
    )
    assert "request an increase of the standardFSv2Family dedicated core quota" in failed.error
    account = next(s.outputs["name"] for s in stack.state() if s.type == "azure-native:batch:BatchAccount")
    families = [
        {"name": "standardFSv2Family", "coreQuota": 400},
        {"name": "standardDSv5Family", "coreQuota": 400},
    ]
    emulator.set_quotas(account, dedicatedCoreQuotaPerVMFamily=families, dedicatedCoreQuota=1000)
    second = stack.up()
    first_ops = {urn: op for urn, op in failed.ops().items()}
    second.steps = [s for s in failed.steps if s.op != "same"] + [
        s for s in second.steps if not (s.op == "same" and first_ops.get(s.urn) == "create")
    ]
    return second
