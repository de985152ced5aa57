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

from batch_infra.cli import output
from batch_infra.cli.options import azure_option, project_option, stack_option
from batch_infra.cli.output import Output, output_options

if TYPE_CHECKING:  # `batch-infra --help` must not pay for pulumi, pydantic or rich
    from rich.tree import Tree

    from batch_infra.ops.plan import Plan, PlannedResource


@click.command()
@stack_option()
@output_options
@project_option
@azure_option
@click.option("--offline", is_flag=True, help="Only validate and print the resource tree; read no target.")
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The stack's Pulumi state (`pulumi stack export --file F`, or a file backend's checkpoint): "
    "says exactly what the stack manages, so deletes are exact. Without it, deletes are inferred "
    "from what the stack's Batch account holds.",
)
@click.option(
    "--expect-no-changes",
    is_flag=True,
    help="A drift gate for CI, as pulumi's: exit 1 and list the changes unless every step is unchanged.",
)
@click.option("--diff", "show_diff", is_flag=True, help="Show old -> new per changed property, as pulumi's.")
@click.pass_context
def preflight(
    ctx: click.Context,
    stack: str,
    out: Output,
    project_dir: Path,
    azure: bool,
    offline: bool,
    state_file: Path | None,
    expect_no_changes: bool,
    show_diff: bool,
) -> None:
    """Validate a stack, read what exists on the target and print what `pulumi up` would do.

    The target is an embedded emulator started for the run (empty: everything plans as create), the
    emulator named by BATCH_INFRA_EMULATOR, or Azure with --azure. Exit codes: 0 ok, 1 the config, a
    quota or an autoscale formula is wrong (or, with --expect-no-changes, the plan changes something),
    2 usage, 3 Azure failed, 130 interrupted (Ctrl-C).
    """
    from batch_infra.ops.plan import plan_stack

    started = time.perf_counter()
    if offline:
        given = {"--azure": azure, "--expect-no-changes": expect_no_changes, "--diff": show_diff}
        for flag in (f for f, on in given.items() if on):
            raise click.UsageError(f"--offline reads no target, so {flag} has nothing to act on; drop one")
    if not offline:
        from batch_infra.cli.preflight_view import Request, run_against_target

        request = Request(stack, project_dir, azure, out, started, state_file, expect_no_changes, show_diff)
        ctx.exit(run_against_target(request))
    with output.console(stderr=True).status(f"planning stack {stack} under Pulumi's mock runtime"):
        plan = plan_stack(stack, project_dir)
    from batch_infra.cli.preflight_view import show_baseline, stack_baseline

    baseline = stack_baseline(plan)
    if not out.human:
        out.emit(json_ready({**plan_document(plan), "securityBaseline": baseline.to_dict()}))
        ctx.exit(0 if baseline.ok else 1)
    console = output.console()
    console.print(plan_tree(plan))
    show_baseline(console, baseline)
    console.print(f"planned offline in {time.perf_counter() - started:.1f}s (total wall time)")
    ctx.exit(0 if baseline.ok else 1)


def json_ready(document: dict[str, Any]) -> Any:
    """The document as plain JSON values (pulumi's Unknown under mocks says so), ready for any -o format."""
    return json.loads(to_json(document))


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
