"""Preflight's plan in Pulumi's terms: one step per resource (create, update, replace, delete, same).

Each custom resource's step comes from its own check (ARM resources compared with their GET, pools as the
pool provider classifies them, packages as the package provider diffs them, the quota check by its
inputs). Components and the stack resource have no provider: the engine creates them when they are not in
state and otherwise leaves them the same (their inputs never change). Deletes are what the stack manages
that the program no longer declares: from the Pulumi state when preflight is given it (exact), else
inferred from the stack's own Batch account (pools, applications and versions it holds that the config
does not declare), and said to be inferred.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from batch_infra.ops.plan import Plan, PlannedResource, qualified_type, urn
from batch_infra.ops.stack_state import STACK_TYPE, StackState
from batch_infra.ops.value_diff import ValueChange

# Pulumi's step names and display symbols (`pulumi preview`); "fails" is a step the preview would stop on.
OPS = ("create", "update", "replace", "delete", "same")
SYMBOLS = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "same": " ", "fails": "!"}
SUMMARY_WORDS = {
    "create": "to create",
    "update": "to update",
    "replace": "to replace",
    "delete": "to delete",
    "same": "unchanged",
}


@dataclass(frozen=True)
class Step:
    op: str  # create / update / replace / delete / same / fails
    urn: str
    type: str
    name: str
    detail: str = ""
    changes: tuple[ValueChange, ...] = ()  # old -> new per changed property leaf, where the check knows them

    def to_dict(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "detail": self.detail,
            "changes": [c.to_dict() for c in self.changes],
        }


def summary(steps: Iterable[Step]) -> dict[str, int]:
    """Steps per op, as `pulumi preview` counts them, plus `fails` (steps the preview would stop on)."""
    counts = dict.fromkeys((*OPS, "fails"), 0)
    for step in steps:
        counts[step.op] += 1
    return counts


def summary_line(counts: Mapping[str, int]) -> str:
    """`N to create, M to update, K to replace, D to delete, U unchanged` (and what would fail)."""
    line = ", ".join(f"{counts.get(op, 0)} {SUMMARY_WORDS[op]}" for op in OPS)
    return line + (f"; {counts['fails']} failing" if counts.get("fails") else "")


def plan_steps(
    plan: Plan,
    decided: Mapping[str, Step],
    *,
    state: StackState | None,
    orphans: Iterable[Step] = (),
) -> list[Step]:
    """Every step of the plan: the stack, each resource in URN order, then the deletes.

    `decided`: each custom resource's step by URN (its own check against the target). `orphans`: deletes
    inferred from the target, used only without `state`.
    """
    missing = [r.urn for r in plan.resources if r.custom and r.urn not in decided]
    if missing:
        raise ValueError(f"no step decided for {missing}: every custom resource needs its check")
    known = set(state.resources) if state else set()
    customs = {urn_: step for urn_, step in decided.items()}
    steps = [_stack_step(plan, customs, state)]
    for resource in tree_order(plan):
        if resource.custom:
            step = customs[resource.urn]
            steps.append(_against_state(step, resource, known) if state else step)
        else:
            steps.append(_component_step(plan, resource, customs, known, state))
    steps += deletes(plan, state) if state else list(orphans)
    return steps


def tree_order(plan: Plan) -> list[PlannedResource]:
    """Parents before their children, siblings by name: the order `pulumi preview` lists a program's steps."""
    children: dict[str | None, list[PlannedResource]] = {}
    urns = {r.urn for r in plan.resources}
    for r in plan.resources:
        children.setdefault(r.parent if r.parent in urns else None, []).append(r)
    ordered: list[PlannedResource] = []

    def walk(parent: str | None) -> None:
        for child in sorted(children.get(parent, []), key=lambda r: r.name):
            ordered.append(child)
            walk(child.urn)

    walk(None)
    return ordered


def deletes(plan: Plan, state: StackState) -> list[Step]:
    """What the state holds that the program no longer declares (by URN or alias): deleted by `pulumi up`,
    dependents first (reverse URN order puts children, whose type chain is longer, before parents)."""
    declared = {u for r in plan.resources for u in (r.urn, *r.aliases)}
    gone = [r for u, r in state.managed().items() if u not in declared]
    return [
        Step("delete", r.urn, r.type, r.name, f"in the stack's state ({state.source}), no longer declared")
        for r in sorted(gone, key=lambda r: r.urn, reverse=True)
    ]


def _against_state(step: Step, resource: PlannedResource, known: set[str]) -> Step:
    """With the state: a resource it does not hold is created whatever exists in Azure; one it holds but
    Azure lacks stays as the state says until `pulumi refresh` (Pulumi diffs against state, not Azure)."""
    in_state = bool(known & {resource.urn, *resource.aliases})
    if not in_state and step.op != "create" and step.op != "fails":
        return Step(
            "create",
            step.urn,
            step.type,
            step.name,
            "not in the stack's state: `pulumi up` creates it, but it exists in Azure"
            + (f" ({step.detail})" if step.detail else "")
            + "; import or adopt it",
        )
    if in_state and step.op == "create":
        return Step(
            "same",
            step.urn,
            step.type,
            step.name,
            "in the stack's state but missing in Azure: `pulumi up` leaves it missing; run `pulumi refresh` "
            "first and preflight again (then it plans a create)",
        )
    return step


def _component_step(
    plan: Plan,
    resource: PlannedResource,
    customs: Mapping[str, Step],
    known: set[str],
    state: StackState | None,
) -> Step:
    if state is not None:
        op = "same" if known & {resource.urn, *resource.aliases} else "create"
        return Step(op, resource.urn, resource.type, resource.name, "component")
    below = [customs[r.urn] for r in _descendants(plan, resource.urn) if r.custom]
    exists = any(s.op != "create" for s in below)
    return Step(
        "same" if exists else "create",
        resource.urn,
        resource.type,
        resource.name,
        "component: " + ("some of its resources exist" if exists else "none of its resources exist yet"),
    )


def _stack_step(plan: Plan, customs: Mapping[str, Step], state: StackState | None) -> Step:
    name = plan.stack_urn.rsplit("::", 1)[-1]
    if state is not None:
        op = "same" if any(r.type == STACK_TYPE for r in state.resources.values()) else "create"
        return Step(op, plan.stack_urn, STACK_TYPE, name, "the stack")
    exists = any(s.op != "create" for s in customs.values())
    return Step("same" if exists else "create", plan.stack_urn, STACK_TYPE, name, "the stack")


def _descendants(plan: Plan, parent_urn: str) -> list[PlannedResource]:
    children: dict[str | None, list[PlannedResource]] = {}
    for r in plan.resources:
        children.setdefault(r.parent, []).append(r)
    found, queue = [], [parent_urn]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child.urn)
    return found


def orphan_step(plan: Plan, type_: str, name: str, what: str) -> Step:
    """A delete inferred from the target: the URN the resource would have, beside its declared siblings."""
    parent = _parent_of(plan, type_)
    return Step(
        "delete",
        urn(plan.stack, qualified_type(parent, type_), name),
        type_,
        name,
        f"{what} in the stack's Batch account, not declared: `pulumi up` deletes it if the stack created it "
        "(inferred from the target; pass --state for the stack's own record)",
    )


# Where each kind of resource preflight may infer sits in the tree, when no sibling is declared any more.
PARENT_TYPES = {
    "pulumi-python:dynamic/pool:Pool": "batch-infra:environment:BatchEnvironment",
    "pulumi-python:dynamic/app_package:ApplicationPackage": "batch-infra:environment:BatchEnvironment",
    "azure-native:batch:Application": "batch-infra:applications:BatchApplications",
}


def _parent_of(plan: Plan, type_: str) -> str | None:
    sibling = next((r for r in plan.resources if r.type == type_), None)
    if sibling is not None:
        return sibling.parent
    wanted = PARENT_TYPES.get(type_)
    return next((r.urn for r in plan.resources if r.type == wanted), None)
