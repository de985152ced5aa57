"""`batch-infra quota`: the stack's demand against its Batch account's and region's quotas, as a table."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from batch_infra.cli import output
from batch_infra.cli.options import azure_option, project_option, stack_option
from batch_infra.cli.output import Output, output_options
from batch_infra.quotas import QuotaReport

STYLES = {"ok": "green", "warn": "yellow", "fail": "bold red", "unchecked": "dim"}


@click.command()
@stack_option()
@output_options
@azure_option
@project_option
@click.pass_context
def quota(ctx: click.Context, stack: str, out: Output, azure: bool, project_dir: Path) -> None:
    """Show the stack's core, pool, application and account demand against its quotas.

    The target is the emulator BATCH_INFRA_EMULATOR names, else an empty one started for the run, or
    Azure with --azure.

    Exit codes: 0 every demand fits, 1 some demand exceeds its quota (or the config is wrong), 3 Azure failed.
    """
    from batch_infra.config import load_stack_file, stack_file
    from batch_infra.config.provider_config import azure_native_settings
    from batch_infra.ops import embedded
    from batch_infra.ops.quota_report import QuotaRequest, read_report

    path = stack_file(stack, project_dir)
    loaded = load_stack_file(path, environment=stack)
    request = QuotaRequest.from_stack(loaded.config)
    owned = embedded.owns_target(azure)
    with output.console(stderr=True).status(f"reading the quotas of {request.account_name}") as status:
        with embedded.target(azure, azure_native=azure_native_settings(path)) as target:
            where = embedded.describe(target, owned=owned)
            status.update(f"reading the quotas of {request.account_name} on the {where}")
            report = read_report(target, request)
    verdict = account_verdict(report, where)
    if not out.human:
        out.emit({"stack": stack, "target": where, **report.to_dict(), "verdict": verdict})
    else:
        console = output.console()
        console.print(quota_table(report, where))
        print_fixes(console, report)
        print_verdict(console, report, where)
    ctx.exit(0 if report.ok else 1)


def quota_table(report: QuotaReport, target: str) -> Table:
    """The rich table: one row per quota, status coloured, its pools beneath; notes as numbered footnotes.

    Columns fold rather than crop, so at 80 columns every name, status and footnote is shown whole.
    """
    from batch_infra.ops.quota_report import COLUMNS, row_cells

    state = "" if report.account_exists else " (not created yet)"
    table = Table(
        title=f"quotas of Batch account {escape(report.account)}{state} on {escape(target)}, "
        f"warning at {report.threshold:.0%}",
        title_justify="left",
    )
    # Family names stay whole: the kind and status columns wrap at word breaks to make room for them.
    subjects = max((len(r.subject) for r in report.rows), default=0)
    widths = {
        "family / scope": {"min_width": subjects},
        "quota": {"max_width": 12},
        "status": {"max_width": 10},
    }
    for column in COLUMNS:
        table.add_column(
            column,
            justify="right" if column in ("demand", "limit", "headroom") else "left",
            overflow="fold",
            **widths.get(column, {}),
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
    """Each failing row's fix, and why each warning row matters (soft_wrap: never cropped)."""
    from batch_infra.ops.quota_report import warning_explanation

    for row in report.failures:
        console.print(f"[bold red]fail[/] {escape(row.kind)} ({escape(row.subject)}): fix: {escape(row.fix)}")
    for row in report.warnings:
        console.print(
            f"[yellow]warn[/] {escape(row.kind)} ({escape(row.subject)}): {escape(warning_explanation(row))}"
        )


def account_verdict(report: QuotaReport, target: str) -> str | None:
    """What the report could not say when the account does not exist on the target, and how to check."""
    from batch_infra.ops.embedded import EMBEDDED

    if report.account_exists:
        return None
    if target == EMBEDDED:
        return (
            f"nothing account-level could be checked: the {target} started for this run holds no Batch "
            f"account {report.account}, so its core, Spot and pool quotas are unknown (only fixed Batch "
            "limits and the region's account count were graded). To check for real: add --azure (reads "
            "your subscription, signed in as README step 1 says), or set BATCH_INFRA_EMULATOR to the ready "
            "file of a prepared emulator (`batch-infra emulator start --ready-file FILE`)"
        )
    return (
        f"Batch account {report.account} does not exist on the {target}: its core, Spot and pool quotas "
        "are unknown until it does; `pulumi up` checks them once the account is created"
    )


def print_verdict(console: Console, report: QuotaReport, target: str) -> None:
    if verdict := account_verdict(report, target):
        console.print(f"[bold yellow]verdict:[/] {escape(verdict)}")
