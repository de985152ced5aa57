"""`batch-infra preflight` against a target: progress while reading, then the plan, pools and quota tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from batch_infra.ops.preflight import Preflight

ACTION_STYLES = {
    "create": "green",
    "update": "yellow",
    "replace": "bold red",
    "no change": "dim",
    "check": "cyan",
    "update live": "yellow",
    "update when empty": "yellow",
    "fails": "bold red",
}
VERDICT_STYLES = {"ok": "green", "warn": "yellow", "fail": "bold red", "unresolved": "dim"}


def run_against_target(
    tree: Tree, document: dict[str, Any], stack: str, project_dir: Path, *, azure: bool, as_json: bool
) -> int:
    """Start (or reach) the target, read it with progress on stderr, print; 0 if all checks pass, else 1."""
    from batch_infra.ops import embedded, preflight

    progress = Console(stderr=True)
    scratch = embedded.owns_target(azure)
    with progress.status("starting the target") as status:
        with embedded.target(azure) as target:
            result = preflight.run(
                stack, project_dir, target, step=lambda text: status.update(text), scratch_catalog=scratch
            )
    if as_json:
        from batch_infra.cli.preflight import to_json

        click.echo(to_json({**document, "preflight": result.to_dict()}))
    else:
        show(Console(), tree, result)
    return 0 if result.ok else 1


def show(console: Console, tree: Tree, result: Preflight) -> None:
    from batch_infra.cli.quota import print_fixes, quota_table

    console.print(tree)
    console.print(resource_table(result))
    console.print(pool_table(result))
    console.print(image_table(result))
    console.print(quota_table(result.quotas))
    print_fixes(console, result.quotas)
    verdict = "[green]ok[/]" if result.ok else "[bold red]checks failed[/]"
    console.print(
        f"preflight {verdict} in {result.seconds.get('total', 0):.1f}s against {escape(result.target)}"
    )


def resource_table(result: Preflight) -> Table:
    table = Table(
        title=f"plan for stack {escape(result.stack)} on {escape(result.target)}", title_justify="left"
    )
    for column in ("resource", "type", "action", "detail"):
        table.add_column(column)
    for r in result.resources:
        style = ACTION_STYLES.get(r.action, "")
        table.add_row(
            escape(r.name),
            escape(r.type),
            f"[{style}]{escape(r.action)}[/]" if style else r.action,
            escape(r.detail),
        )
    return table


def pool_table(result: Preflight) -> Table:
    table = Table(title="pools", title_justify="left")
    for column in ("pool", "action", "detail", "autoscale"):
        table.add_column(column)
    for p in result.pools:
        autoscale = "\n".join(p.autoscale) or ("ok" if p.autoscale_ok else "")
        table.add_row(
            escape(p.pool_id),
            _styled(ACTION_STYLES, p.action),
            escape(p.detail),
            escape(autoscale) or "fixed scale",
        )
    return table


def image_table(result: Preflight) -> Table:
    """Per pool: the resolved image, its end of Batch support and the end-of-life policy's verdict."""
    table = Table(title=f"images (from {escape(result.catalog_source)})", title_justify="left")
    for column in ("pool", "image", "node agent SKU", "end of life", "verdict", "replacement / note"):
        table.add_column(column)
    for p in result.pools:
        image = p.image
        eol = f"{image.end_of_life} ({image.days_left} days)" if image.end_of_life else "not announced"
        note = image.replacement if image.verdict != "ok" and image.replacement else image.message
        table.add_row(
            escape(p.pool_id),
            escape(image.image or "-"),
            escape(image.node_agent_sku_id or "-"),
            eol if image.image else "-",
            _styled(VERDICT_STYLES, image.verdict),
            escape(note),
        )
    return table


def _styled(styles: dict[str, str], value: str) -> str:
    style = styles.get(value, "")
    return f"[{style}]{escape(value)}[/]" if style else escape(value)
