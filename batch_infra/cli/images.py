"""`batch-infra images --stack ENV`: pool images, end of Batch support, replacements; exit 1 in window."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from batch_infra.cli import output
from batch_infra.cli.options import azure_option, project_option, stack_option
from batch_infra.cli.output import Output, output_options

STYLES = {"ok": "green", "in-window": "yellow", "ended": "red", "no-image": "red"}
COLUMNS = (
    "pool",
    "status",
    "image",
    "node agent SKU",
    "source",
    "end of support",
    "days left",
    "replacement",
)


@click.command()
@stack_option()
@output_options
@azure_option
@project_option
def images(stack: str, out: Output, azure: bool, project_dir: Path) -> None:
    """Report each pool's image against the stack's end-of-life window (policies.imageEndOfLifeWindowDays).

    The target is the emulator BATCH_INFRA_EMULATOR names, else an empty one started for the run, or
    Azure with --azure. Exits 1 when any pool's image is inside the window, past its end of support, or
    unresolvable.
    """
    from batch_infra.config import load_stack_file, stack_file
    from batch_infra.config.provider_config import azure_native_settings
    from batch_infra.ops.embedded import owns_target
    from batch_infra.ops.embedded import target as open_target
    from batch_infra.ops.image_report import read_report

    path = stack_file(stack, project_dir)
    config = load_stack_file(path, environment=stack).config
    today = datetime.now(UTC).date()
    with open_target(azure, azure_native=azure_native_settings(path)) as target:
        report = read_report(target, config, today, owns_emulator=owns_target(azure))
    if not out.human:
        out.emit(report.as_json())
    else:
        _render(report, "Azure" if azure else "the emulator")
    if not report.ok:
        raise click.exceptions.Exit(1)


def _render(report: Any, where: str) -> None:
    from rich.table import Table

    # The console's width (the terminal's, else COLUMNS, else 160) like every other command: cells fold
    # rather than crop (a table wider than the console would be cut off); pool ids never break.
    console = output.console(highlight=False)
    table = Table(title=f"images of stack {report.stack} ({where}, {report.today.isoformat()})")
    rows = [_cells(pool) for pool in report.pools]
    columns = COLUMNS
    if console.width < WIDE:  # eight columns do not fit: stack the image's facts in one cell
        rows, columns = [_stacked(cells) for cells in rows], STACKED_COLUMNS
    pool_ids = max((len(cells[0]) for cells in rows), default=len("pool"))
    for column in columns:
        table.add_column(column, overflow="fold", min_width=pool_ids if column == "pool" else None)
    for pool, cells in zip(report.pools, rows, strict=True):
        table.add_row(*cells, style=STYLES[pool.status])
    console.print(table)
    console.print(f"policy: {report.window_days}-day end-of-life window, action {report.action}")
    for pool in report.pools:
        if pool.problem:
            console.print(f"{pool.pool_id}: {pool.problem}", style=STYLES[pool.status], markup=False)
    for note in report.notes:
        console.print(f"note: {note}", style="dim", markup=False)


WIDE = 120  # the console width from which every fact has its own column
STACKED_COLUMNS = ("pool", "status", "image / node agent SKU / source", "end of support", "replacement")


def _stacked(cells: list[str]) -> list[str]:
    pool, status, image, sku, source, end, days, replacement = cells
    left = f"\n{days} days left" if days != "-" else ""
    return [pool, status, f"{image}\n{sku}\n{source}", end + left, replacement]


def _cells(pool: Any) -> list[str]:
    return [
        pool.pool_id,
        pool.status,
        pool.image or "-",
        pool.node_agent_sku_id or "-",
        pool.source or "-",
        pool.end_of_life.isoformat() if pool.end_of_life else "none announced",
        str(pool.days_left) if pool.days_left is not None else "-",
        pool.replacement or "-",
    ]
