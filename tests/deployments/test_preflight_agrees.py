"""`batch-infra preflight` says what the engine's preview says: the same step for every resource and the
same summary counts, on every scenario of the dev stack (first preview, no change, each pool change class,
a re-cased pool id, a removed pool), reading the stack's state exactly as a user passes it (`--state`)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from batch_infra.cli.main import main
from tests.deployments.conftest import PROD_GROUP_PRINCIPAL, engine_stack, grant_prod_quota

pytestmark = [pytest.mark.slow, pytest.mark.emulator]
COUNTED = ("create", "update", "replace", "delete", "same")


def engine_view(result) -> tuple[dict[str, str], dict[str, int]]:
    """The engine's preview as preflight reports it: provider instances are the engine's own (never shown
    by `pulumi preview`, not planned by preflight)."""
    ops = {
        urn: op
        for urn, op in result.ops().items()
        if "::pulumi:providers:" not in urn and op in (*COUNTED, "fails")
    }
    counts = {op: sum(1 for o in ops.values() if o == op) for op in COUNTED}
    return ops, counts


def preflight_view(document: dict) -> tuple[dict[str, str], dict[str, int]]:
    ops = {s["urn"]: s["op"] for s in document["steps"]}
    return ops, {op: document["summary"][op] for op in COUNTED}


def edit(project: Path, pattern: str, replacement: str) -> None:
    path = project / "stacks" / "Pulumi.dev.yaml"
    text, count = re.subn(pattern, replacement, path.read_text(), count=1, flags=re.MULTILINE)
    assert count == 1, pattern
    path.write_text(text)


def agree(project: Path, stack, capsys, *, state: bool = True) -> tuple[dict[str, str], dict]:
    preview = stack.preview()
    engine_ops, engine_counts = engine_view(preview)
    capsys.readouterr()
    main_args = ["preflight", "-s", stack.name, "--json", "--project-dir", str(project)]
    if state and stack.checkpoint.path.exists():
        main_args += ["--state", str(stack.checkpoint.path)]
    main(main_args)
    document = json.loads(capsys.readouterr().out)["preflight"]
    ops, counts = preflight_view(document)
    differ = {
        urn: (engine_ops.get(urn), ops.get(urn))
        for urn in engine_ops.keys() | ops.keys()
        if engine_ops.get(urn) != ops.get(urn)
    }
    details = {s["urn"]: s.get("detail") for s in document["steps"] if s["urn"] in differ}
    assert differ == {}, f"engine vs preflight: {differ}\npreflight says: {details}\n{preview.render()}"
    assert counts == engine_counts
    assert document["summaryLine"].startswith(preview.summary())
    return ops, document


POOL = "batch-pool-dev-small"
QUOTA = "batch-quota"


def test_preflight_agrees_with_the_engine_preview_on_every_scenario(
    project, arm, clean_emulator, emulator_env, capsys
) -> None:  # noqa: ANN001 - fixtures
    stack = engine_stack(project, "dev", clean_emulator)
    pool = f"::{POOL}"

    first, _ = agree(project, stack, capsys)  # no state yet, an empty target
    assert set(first.values()) == {"create"}
    up = stack.up()
    assert up.ok, up.render()

    unchanged, document = agree(project, stack, capsys)
    assert set(unchanged.values()) == {"same"} and document["managedFrom"].startswith("the stack's state")

    stack_file = project / "stacks" / "Pulumi.dev.yaml"
    deployed = stack_file.read_text()
    scenarios = {
        "live update": ([(r"purpose: development", "purpose: testing")], "update"),
        "update when empty": (
            [
                (r"vmSize: Standard_D2s_v5", "vmSize: Standard_D4s_v5"),
                ("targetDedicatedNodes: 1", "targetDedicatedNodes: 0"),
            ],
            "update",
        ),
        "replace": (
            [(r"vmSize: Standard_D2s_v5", "vmSize: Standard_D4s_v5\n      onImmutableChange: replace")],
            "replace",
        ),
        "re-cased id": ([(r"- id: dev-small", "- id: Dev-Small")], None),
    }
    seen = {}
    for name, (edits, expected) in scenarios.items():
        stack_file.write_text(deployed)
        for pattern, replacement in edits:
            edit(project, pattern, replacement)
        ops, _ = agree(project, stack, capsys)
        pool_op = next(op for urn, op in ops.items() if urn.endswith(pool))
        seen[name] = pool_op
        if expected:
            assert pool_op == expected, (name, ops)

    stack_file.write_text(deployed)
    text = stack_file.read_text()
    stack_file.write_text(
        text[: text.index("  batch-infra:pools:")] + text[text.index("  batch-infra:policies:") :]
    )
    removed, _ = agree(project, stack, capsys)
    assert next(op for urn, op in removed.items() if urn.endswith(pool)) == "delete"
    print(f"\npool steps agreed: {seen}, removed pool: delete")


@pytest.mark.parametrize("name", ["staging", "prod"])
def test_preflight_agrees_with_the_engine_on_staging_and_prod(
    name, project, arm, clean_emulator, emulator_env, capsys
) -> None:  # noqa: ANN001 - fixtures
    """The other shipped stacks: the first preview and, once deployed, the no-change preview (prod from
    outside its network, its account private)."""
    stack_file = project / "stacks" / f"Pulumi.{name}.yaml"
    if name == "prod":
        arm.create_identities(stack_file)
        clean_emulator.settings(directory_principals=[PROD_GROUP_PRINCIPAL])
    stack = engine_stack(project, name, clean_emulator)
    first, _ = agree(project, stack, capsys)
    assert set(first.values()) == {"create"}
    up = stack.up()
    if name == "prod":  # a new account's default quota; see test_private_prod
        assert not up.ok
        grant_prod_quota(clean_emulator)
        up = stack.up()
    assert up.ok, up.render()
    unchanged, document = agree(project, stack, capsys)
    assert set(unchanged.values()) == {"same"}, unchanged
    assert document["managedFrom"].startswith("the stack's state")
