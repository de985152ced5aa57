"""`batch-infra preflight`: plan a stack under Pulumi's mocks, read the target, say what `pulumi up` would do.

Against a target (an embedded emulator started for the run, one named by BATCH_INFRA_EMULATOR, or Azure
with --azure): the resource tree, each resource's create / update / replace / no change, the pools as the
pool provider would classify them, their images with end-of-life dates, the autoscale checks and the
quota table (cli/preflight_view.py). With --offline: only the validated config and the resource tree.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from batch_infra.cli.completion import complete_stacks

if TYPE_CHECKING:  # `batch-infra --help` must not pay for pulumi, pydantic or rich
    from rich.tree import Tree

    from batch_infra.ops.plan import Plan, PlannedResource


@click.command()
@click.option(
    "--stack",
    "-s",
    required=True,
    shell_complete=complete_stacks,
    help="Stack (environment) name: reads stacks/Pulumi.<STACK>.yaml.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON on stdout.")
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Directory holding Pulumi.yaml and stacks/.",
)
@click.option("--azure", is_flag=True, help="Read Azure (DefaultAzureCredential, AZURE_SUBSCRIPTION_ID).")
@click.option("--offline", is_flag=True, help="Only validate and print the resource tree; read no target.")
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The stack's Pulumi state (`pulumi stack export --file F`, or a file backend's checkpoint): "
    "says exactly what the stack manages, so deletes are exact. Without it, deletes are inferred "
    "from what the stack's Batch account holds.",
)
@click.pass_context
def preflight(
    ctx: click.Context,
    stack: str,
    as_json: bool,
    project_dir: Path,
    azure: bool,
    offline: bool,
    state_file: Path | None,
) -> None:
    """Validate a stack, read what exists on the target and print what `pulumi up` would do.

    The target is an embedded emulator started for the run (empty: everything plans as create), or
    Azure with --azure. Exit codes: 0 ok, 1 the config, a quota or an autoscale formula is wrong,
    2 usage, 3 Azure failed, 130 interrupted (Ctrl-C).
    """
    from rich.console import Console

    from batch_infra.ops.plan import plan_stack

    started = time.perf_counter()
    if not offline:
        from batch_infra.cli.preflight_view import run_against_target

        ctx.exit(
            run_against_target(
                stack, project_dir, azure=azure, as_json=as_json, started=started, state_file=state_file
            )
        )
    with Console(stderr=True).status(f"planning stack {stack} under Pulumi's mock runtime"):
        plan = plan_stack(stack, project_dir)
    from batch_infra.cli.preflight_view import show_baseline, stack_baseline

    baseline = stack_baseline(plan, project_dir)
    if as_json:
        click.echo(to_json({**plan_document(plan), "securityBaseline": baseline.to_dict()}))
        ctx.exit(0 if baseline.ok else 1)
    Console().print(plan_tree(plan))
    show_baseline(Console(), baseline)
    Console().print(f"planned offline in {time.perf_counter() - started:.1f}s (total wall time)")
    ctx.exit(0 if baseline.ok else 1)


def to_json(document: dict[str, Any]) -> str:
    """JSON of a plan document; values only Azure will know (pulumi's Unknown under mocks) say so."""
    return json.dumps(document, indent=2, sort_keys=True, default=_unknown)


def _unknown(value: Any) -> str:
    if type(value).__name__ == "Unknown":
        return UNKNOWN_TEXT
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


UNKNOWN_TEXT = "(known after `pulumi up`)"


def plan_document(plan: Plan) -> dict[str, Any]:
    """The machine-readable plan: every resource with its parent and declared properties, and the outputs."""
    return {
        "stack": plan.stack,
        "source": plan.source,
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "parent": r.parent,
                "component": not r.custom,
                "properties": r.properties,
            }
            for r in plan.resources
        ],
        "outputs": plan.outputs,
    }


def plan_tree(plan: Plan) -> Tree:
    """A rich tree: the stack, then each resource under its parent with its key properties."""
    from rich.markup import escape
    from rich.tree import Tree

    root = Tree(f"[bold]stack {escape(plan.stack)}[/] [dim]{escape(plan.source)}[/]")
    by_urn = {r.urn: r for r in plan.resources}
    children: dict[str | None, list[PlannedResource]] = {}
    for resource in plan.resources:
        children.setdefault(resource.parent if resource.parent in by_urn else None, []).append(resource)

    def add(node: Tree, parent_urn: str | None) -> None:
        for resource in sorted(children.get(parent_urn, []), key=lambda r: r.name):
            add(node.add(_label(resource)), resource.urn)

    add(root, None)
    custom = sum(r.custom for r in plan.resources)
    counts = f"{custom} resources in {len(plan.resources) - custom} components"
    root.add(f"[dim]{counts}; outputs: {escape(', '.join(plan.outputs))}[/]")
    return root


def _label(resource: PlannedResource) -> str:
    from rich.markup import escape

    style = "bold cyan" if not resource.custom else "bold"
    text = f"[{style}]{escape(resource.name)}[/] [dim]{escape(resource.type)}[/]"
    properties = "  ".join(f"{escape(k)}={escape(_show(v))}" for k, v in resource.key_properties().items())
    return f"{text}\n{properties}" if properties else text


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value).lower() if isinstance(value, bool) else str(value)
