"""`batch-infra promote --from staging --to prod [--write]`: show (and apply) promotion of promotable keys."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import click
import yaml

from batch_infra.cli import output
from batch_infra.cli.completion import complete_stacks
from batch_infra.cli.options import project_option
from batch_infra.cli.output import DOCUMENT_FORMATS, Output, output_options


@click.command()
@click.option("--from", "source", required=True, metavar="STACK", shell_complete=complete_stacks,
              help="Stack to promote from, e.g. staging.")
@click.option("--to", "target", required=True, metavar="STACK", shell_complete=complete_stacks,
              help="Stack to promote into, e.g. prod.")
@click.option("--write", is_flag=True, help="Rewrite stacks/Pulumi.<to>.yaml (comments and order kept).")
@project_option
@output_options
def promote(source: str, target: str, write: bool, project_dir: Path, out: Output) -> None:
    """Copy image selectors, package versions, autoscale formulas and start task command lines between stacks.

    Names, VM sizes, networks, node counts and secrets never move. Pools and applications are matched by id.
    Each change prints as old -> new (a multi-line formula or command line as a line diff).
    """
    from batch_infra.errors import BatchInfraError
    from batch_infra.ops.promote import promote as run

    try:
        plan = run(source, target, project_dir, write=write)
    except BatchInfraError as err:
        if out.human:
            raise
        # Machines get a document on stdout for a refusal too; the exit code stays the error's own.
        from batch_infra.cli.main import error_document

        document = error_document(err, "promote", **{"from": source, "to": target, "written": False})
        if out.format in DOCUMENT_FORMATS:
            out.emit(document)
        raise click.exceptions.Exit(int(err.exit_code)) from err
    if not out.human:
        out.emit(plan.as_json())
        return
    _render(plan)


def _render(plan: Any) -> None:
    from rich.markup import escape

    console = output.console(highlight=False, soft_wrap=True)
    console.print(f"promote [bold]{escape(plan.source)}[/] -> [bold]{escape(plan.target)}[/]")
    for change in plan.changes:
        for line, style in change_lines(change.path, change.before, change.after):
            console.print(line, style=style, markup=False)
    for note in plan.notes:
        console.print(f"  note: {note}", style="dim", markup=False)
    count = len(plan.changes)
    if not count:
        console.print(_nothing(plan), markup=False)
    elif plan.written:
        console.print(f"[green]wrote {escape(plan.target)}[/] ({count} change{'s' if count != 1 else ''})")
    else:
        console.print(
            f"{count} change{'s' if count != 1 else ''}; the result is valid. "
            f"Run again with --write to rewrite {plan.target}",
            markup=False,
        )


def _nothing(plan: Any) -> str:
    if plan.notes:
        return (
            f"nothing to promote: no promotable key differs in what both stacks declare; the notes above "
            f"list what only one of them has ({plan.target} is unchanged)"
        )
    return f"nothing to promote: {plan.target} already has the source's promotable keys"


STYLES = {"+": "green", "-": "red", "~": "yellow", " ": "dim"}


def change_lines(path: str, before: Any, after: Any) -> list[tuple[str, str]]:
    """(line, style) per promoted key: `~ path: old -> new` per changed leaf (objects key by key); a
    multi-line text (a formula, a command line) as `~ path` and its line diff."""
    from batch_infra.ops.value_diff import ABSENT, changes

    if _multiline(before) or _multiline(after):
        lines = [(f"~ {path}", "bold")]
        for line in _value_diff(before, after):
            lines.append((f"    {line}", STYLES.get(line[:1], "dim")))
        return lines
    old = ABSENT if before is None else before
    return [(c.render(), STYLES[c.symbol]) for c in changes(old, after, path)]


def _multiline(value: Any) -> bool:
    return isinstance(value, str) and "\n" in value.rstrip("\n")


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
