"""Preflight's steps as Pulumi's: components and the stack, deletes from state or inferred, the summary."""

from __future__ import annotations

import json

import pytest

from batch_infra.errors import BatchInfraError
from batch_infra.ops.preflight_arm import PROPERTIES
from batch_infra.ops.preflight_steps import Step, orphan_step, plan_steps, summary, summary_line
from batch_infra.ops.stack_state import load_state, parse_state

POOL = "pulumi-python:dynamic/pool:Pool"
GUIDS = ("principalId", "tenantId", "clientId", "subscriptionId")


def _decided(plan, op: str, **overrides: str) -> dict[str, Step]:
    """Every custom resource with `op`, except those named in `overrides` (name -> op)."""
    return {r.urn: Step(overrides.get(r.name, op), r.urn, r.type, r.name) for r in plan.resources if r.custom}


def _export(plan, *, extra: list[dict] | None = None, drop: tuple[str, ...] = ()) -> dict:
    """A `pulumi stack export` document holding the plan's resources (as after `pulumi up`)."""
    resources = [{"urn": plan.stack_urn, "type": "pulumi:pulumi:Stack", "custom": False}]
    resources += [
        {
            "urn": "urn:pulumi:dev::batch-infra::pulumi:providers:azure-native::default_3_0_0",
            "custom": True,
            "type": "pulumi:providers:azure-native",
        }
    ]
    resources += [
        {"urn": r.urn, "type": r.type, "custom": r.custom, "inputs": r.properties, "parent": r.parent}
        for r in plan.resources
        if r.name not in drop
    ]
    return {"version": 3, "deployment": {"manifest": {}, "resources": resources + (extra or [])}}


def test_a_first_preview_creates_the_stack_every_component_and_resource(planned):
    plan = planned("dev")
    steps = plan_steps(plan, _decided(plan, "create"), state=None)
    assert steps[0].type == "pulumi:pulumi:Stack" and steps[0].name == "batch-infra-dev"
    assert {s.op for s in steps} == {"create"}
    assert summary(steps)["create"] == len(plan.resources) + 1
    assert (
        summary_line(summary(steps)) == f"{len(plan.resources) + 1} to create, 0 to update, 0 to replace, "
        "0 to delete, 0 unchanged"
    )


def test_without_state_components_exist_when_any_of_their_resources_does(planned):
    plan = planned("dev")
    steps = plan_steps(plan, _decided(plan, "create", **{"batch-rg": "same"}), state=None)
    ops = {s.name: s.op for s in steps}
    assert ops["batch"] == "same"  # the environment holds the resource group
    assert ops["batch-network"] == "create"  # none of its resources exist
    assert ops["batch-infra-dev"] == "same"


def test_with_state_a_resource_it_no_longer_declares_is_deleted_and_counted(planned):
    plan = planned("dev")
    gone = {
        "urn": plan.stack_urn.replace(
            "pulumi:pulumi:Stack::batch-infra-dev",
            "batch-infra:environment:BatchEnvironment$" + POOL + "::batch-pool-old",
        ),
        "type": POOL,
        "custom": True,
    }
    state = parse_state(_export(plan, extra=[gone]), "state.json")
    steps = plan_steps(plan, _decided(plan, "same"), state=state)
    assert steps[-1] == Step(
        "delete", gone["urn"], POOL, "batch-pool-old", "in the stack's state (state.json), no longer declared"
    )
    counts = summary(steps)
    assert (counts["delete"], counts["create"], counts["same"]) == (1, 0, len(plan.resources) + 1)
    # The provider instance in state is never a step (the engine manages it, `pulumi preview` hides it).
    assert not [s for s in steps if s.type.startswith("pulumi:providers:")]


def test_with_state_a_resource_the_program_only_reads_is_never_deleted(planned):
    """`UserAssignedIdentity.get(...)` sits in the state as external: Pulumi discards it from the state
    when no longer read (step_generator: a read resource is never deleted); found on prod's identities."""
    plan = planned("dev")
    read = {
        "urn": plan.stack_urn.replace(
            "pulumi:pulumi:Stack::batch-infra-dev",
            "batch-infra:environment:BatchEnvironment$azure-native:managedidentity:UserAssignedIdentity"
            "::batch-pool-render-identity",
        ),
        "type": "azure-native:managedidentity:UserAssignedIdentity",
        "custom": True,
        "external": True,
    }
    state = parse_state(_export(plan, extra=[read]), "state.json")
    steps = plan_steps(plan, _decided(plan, "same"), state=state)
    assert read["urn"] not in {s.urn for s in steps}
    assert summary(steps)["delete"] == 0
    read["external"] = False  # the same entry, managed: now a delete
    steps = plan_steps(plan, _decided(plan, "same"), state=parse_state(_export(plan, extra=[read]), "s"))
    assert [s.urn for s in steps if s.op == "delete"] == [read["urn"]]


def test_every_id_or_name_one_resource_takes_from_another_is_known_in_the_plan(planned):
    """Preflight compares a reference (a diagnostic setting's workspaceId, a zone group's zone id, a link's
    zone name) with Azure's: under the mocks each must be the ARM id or name Azure would give, never a
    placeholder or an unknown (prod's diagnostic setting was planned as an update for that reason)."""
    import pulumi

    def references(value, path=""):
        if isinstance(value, dict):
            for key, inner in value.items():
                yield from references(inner, f"{path}.{key}".lstrip("."))
        elif isinstance(value, list):
            for inner in value:
                yield from references(inner, f"{path}[]")
        else:
            yield path, value

    checked = 0
    for resource in planned("prod").resources:
        if resource.type not in PROPERTIES:  # role assignments: by name, or "known at deploy time"
            continue
        for path, value in references(resource.inputs):
            if path.endswith(GUIDS):
                continue
            assert not isinstance(value, pulumi.output.Unknown), (resource.name, path)
            if path.endswith(("Id", ".id")) and isinstance(value, str):
                assert value.startswith(("/subscriptions/", "/providers/")), (resource.name, path, value)
                checked += 1
    assert checked >= 10  # workspaceId, subnet.id, privateDnsZoneId, virtualNetwork.id, ...


def test_with_state_an_aliased_urn_is_the_same_resource_not_a_delete(planned):
    plan = planned("dev")
    renamed = next(r for r in plan.resources if r.aliases)
    old = {"urn": renamed.aliases[0], "type": renamed.type, "custom": True}
    state = parse_state(_export(plan, extra=[old], drop=(renamed.name,)), "s")
    steps = plan_steps(plan, _decided(plan, "same"), state=state)
    assert summary(steps)["delete"] == 0
    assert next(s for s in steps if s.urn == renamed.urn).op == "same"


def test_with_state_what_it_lacks_is_created_even_when_azure_has_it(planned):
    plan = planned("dev")
    pool = next(r for r in plan.resources if r.type == POOL)
    state = parse_state(_export(plan, drop=(pool.name,)), "s")
    step = next(s for s in plan_steps(plan, _decided(plan, "same"), state=state) if s.urn == pool.urn)
    assert step.op == "create" and "exists in Azure" in step.detail


def test_with_state_what_azure_lost_stays_same_until_a_refresh(planned):
    plan = planned("dev")
    pool = next(r for r in plan.resources if r.type == POOL)
    state = parse_state(_export(plan), "s")
    step = next(
        s
        for s in plan_steps(plan, _decided(plan, "same", **{pool.name: "create"}), state=state)
        if s.urn == pool.urn
    )
    assert step.op == "same" and "pulumi refresh" in step.detail


def test_inferred_orphans_sit_beside_their_declared_siblings(planned):
    plan = planned("dev")
    pool = next(r for r in plan.resources if r.type == POOL)
    orphan = orphan_step(plan, POOL, "batch-pool-gone", "pool gone")
    assert orphan.urn == pool.urn.rsplit("::", 1)[0] + "::batch-pool-gone"
    steps = plan_steps(plan, _decided(plan, "same"), state=None, orphans=[orphan])
    assert steps[-1] == orphan and "inferred" in orphan.detail


def test_a_failing_step_is_not_counted_as_a_change_but_is_said(planned):
    plan = planned("dev")
    pool = next(r for r in plan.resources if r.type == POOL)
    counts = summary(plan_steps(plan, _decided(plan, "same", **{pool.name: "fails"}), state=None))
    assert counts["fails"] == 1
    assert summary_line(counts).endswith("; 1 failing")


def test_every_custom_resource_needs_a_decided_step(planned):
    plan = planned("dev")
    decided = _decided(plan, "same")
    decided.pop(next(iter(decided)))
    with pytest.raises(ValueError, match="no step decided"):
        plan_steps(plan, decided, state=None)


def test_state_reads_exports_and_checkpoints_and_refuses_anything_else(tmp_path, planned):
    plan = planned("dev")
    export = _export(plan)
    checkpoint = {"version": 3, "checkpoint": {"stack": "dev", "latest": export["deployment"]}}
    for document in (export, checkpoint):
        path = tmp_path / "state.json"
        path.write_text(json.dumps(document))
        assert set(load_state(path).managed()) == {r.urn for r in plan.resources}
    (tmp_path / "bad.json").write_text('{"stack": "dev"}')
    with pytest.raises(BatchInfraError, match="pulumi stack export") as err:
        load_state(tmp_path / "bad.json")
    assert "bad.json" in err.value.render()
    with pytest.raises(BatchInfraError, match="cannot read it"):
        load_state(tmp_path / "missing.json")
    (tmp_path / "text.json").write_text("not json")
    with pytest.raises(BatchInfraError, match="not JSON"):
        load_state(tmp_path / "text.json")
