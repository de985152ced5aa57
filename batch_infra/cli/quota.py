"""`batch-infra quota`: the stack's demand against its Batch account's and region's quotas, as a table."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from batch_infra.quotas import QuotaReport

STYLES = {"ok": "green", "warn": "yellow", "fail": "bold red", "unchecked": "dim"}


@click.command()
@click.option(
    "--stack", "-s", required=True, help="Stack (environment) name: reads stacks/Pulumi.<STACK>.yaml."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@click.option(
    "--azure",
    is_flag=True,
    help="Read real Azure (DefaultAzureCredential, AZURE_SUBSCRIPTION_ID) instead of the embedded emulator.",
)
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Directory holding Pulumi.yaml and stacks/.",
)
@click.pass_context
def quota(ctx: click.Context, stack: str, as_json: bool, azure: bool, project_dir: Path) -> None:
    """Show the stack's core, pool, application and account demand against its quotas.

    Exit codes: 0 every demand fits, 1 some demand exceeds its quota (or the config is wrong), 3 Azure failed.
    """
    from batch_infra.config import load_stack_file, stack_file
    from batch_infra.ops import embedded
    from batch_infra.ops.quota_report import QuotaRequest, read_report

    loaded = load_stack_file(stack_file(stack, project_dir), environment=stack)
    request = QuotaRequest.from_stack(loaded.config)
    where = "Azure" if azure else "the embedded emulator"
    with Console(stderr=True).status(f"reading the quotas of {request.account_name} in {where}"):
        with embedded.target(azure) as target:
            report = read_report(target, request)
    if as_json:
        click.echo(json.dumps({"stack": stack, **report.to_dict()}, indent=2))
    else:
        Console().print(quota_table(report))
        print_fixes(Console(), report)
    ctx.exit(0 if report.ok else 1)


def quota_table(report: QuotaReport) -> Table:
    """The rich table: one row per quota, status coloured, its pools beneath; notes as numbered footnotes."""
    from batch_infra.ops.quota_report import COLUMNS, row_cells

    state = "" if report.account_exists else " (not created yet)"
    table = Table(
        title=f"quotas of Batch account {escape(report.account)}{state}, warning at {report.threshold:.0%}",
        title_justify="left",
    )
    for column in COLUMNS:
        table.add_column(
            column,
            justify="right" if column in ("demand", "limit", "headroom") else "left",
            min_width=18 if column == "family / scope" else None,
        )
    notes: list[str] = []
    for row in report.rows:
        cells = [escape(c) for c in row_cells(row)]
        cells[-1] = f"[{STYLES[row.status]}]{cells[-1]}[/]"
        if row.note:
            notes += [row.note] if row.note not in notes else []
            cells[-1] += f" [dim]\\[{notes.index(row.note) + 1}][/]"
        if row.pools:
            cells[1] += "".join(f"\n[dim]{escape(p)}[/]" for p in row.pools)
        table.add_row(*cells)
    table.caption = "\n".join(f"[{i}] {escape(n)}" for i, n in enumerate(notes, 1)) or None
    table.caption_justify = "left"
    return table


def print_fixes(console: Console, report: QuotaReport) -> None:
    for row in report.failures:
        console.print(f"[bold red]fail[/] {escape(row.kind)} ({escape(row.subject)}): fix: {escape(row.fix)}")
