"""`batch-infra preflight`: validate a stack and show the resource tree `pulumi up` would declare."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from batch_infra.ops.plan import Plan, PlannedResource, plan_stack


@click.command()
@click.option(
    "--stack", "-s", required=True, help="Stack (environment) name: reads stacks/Pulumi.<STACK>.yaml."
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON on stdout.")
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Directory holding Pulumi.yaml and stacks/.",
)
def preflight(stack: str, as_json: bool, project_dir: Path) -> None:
    """Validate a stack's config and print the resources the program declares (no Azure needed).

    Exit codes: 0 ok, 1 the config or the plan is wrong (every problem on stderr), 2 usage.
    """
    with Console(stderr=True).status(f"planning stack {stack} under Pulumi's mock runtime"):
        plan = plan_stack(stack, project_dir)
    if as_json:
        click.echo(json.dumps(plan_document(plan), indent=2, sort_keys=True))
    else:
        Console().print(plan_tree(plan))


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
    style = "bold cyan" if not resource.custom else "bold"
    text = f"[{style}]{escape(resource.name)}[/] [dim]{escape(resource.type)}[/]"
    properties = "  ".join(f"{escape(k)}={escape(_show(v))}" for k, v in resource.key_properties().items())
    return f"{text}\n{properties}" if properties else text


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value).lower() if isinstance(value, bool) else str(value)
