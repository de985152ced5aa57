"""`batch-infra promote --from staging --to prod [--write]`: show (and apply) promotion of promotable keys."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import click
import yaml

from batch_infra.cli.completion import complete_stacks


@click.command()
@click.option("--from", "source", required=True, metavar="STACK", shell_complete=complete_stacks,
              help="Stack to promote from, e.g. staging.")
@click.option("--to", "target", required=True, metavar="STACK", shell_complete=complete_stacks,
              help="Stack to promote into, e.g. prod.")
@click.option("--write", is_flag=True, help="Rewrite stacks/Pulumi.<to>.yaml (comments and order kept).")
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Directory holding Pulumi.yaml and stacks/.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def promote(source: str, target: str, write: bool, project_dir: Path, as_json: bool) -> None:
    """Copy image selectors, package versions, autoscale formulas and start task command lines between stacks.

    Names, VM sizes, networks, node counts and secrets never move. Pools and applications are matched by id.
    """
    from batch_infra.errors import BatchInfraError
    from batch_infra.ops.promote import promote as run

    try:
        plan = run(source, target, project_dir, write=write)
    except BatchInfraError as err:
        if not as_json:
            raise
        # Machines get a JSON document on stdout for a refusal too; the exit code stays the error's own.
        from batch_infra.cli.main import error_document

        document = error_document(err, "promote", **{"from": source, "to": target, "written": False})
        click.echo(json.dumps(document, indent=2))
        raise click.exceptions.Exit(int(err.exit_code)) from err
    if as_json:
        click.echo(json.dumps(plan.as_json(), indent=2))
        return
    _render(plan, write)


def _render(plan: Any, write: bool) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False, soft_wrap=True)
    console.print(f"promote [bold]{escape(plan.source)}[/] -> [bold]{escape(plan.target)}[/]")
    for change in plan.changes:
        marker = "+" if change.before is None else "~"
        console.print(f"[bold]{marker} {escape(change.path)}[/]")
        for line in _value_diff(change.before, change.after):
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
            console.print(f"    {line}", style=style, markup=False)
    for note in plan.notes:
        console.print(f"  note: {note}", style="dim", markup=False)
    count = len(plan.changes)
    if not count:
        console.print(f"nothing to promote: {plan.target} already has the source's promotable keys")
    elif plan.written:
        console.print(f"[green]wrote {escape(plan.target)}[/] ({count} change{'s' if count != 1 else ''})")
    else:
        console.print(f"{count} change{'s' if count != 1 else ''}; the result is valid. "
                      f"Run again with --write to rewrite {plan.target}")


def _value_diff(before: Any, after: Any) -> list[str]:
    old, new = _lines(before), _lines(after)
    diff = list(difflib.unified_diff(old, new, lineterm="", n=1))
    return [line for line in diff[2:] if not line.startswith("@@")] if diff else []


def _lines(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.rstrip("\n").splitlines() or [""]
    return yaml.safe_dump(value, default_flow_style=False, sort_keys=False).rstrip("\n").splitlines()
