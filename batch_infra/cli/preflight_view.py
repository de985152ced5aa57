"""`batch-infra preflight` against a target: progress while reading, then the plan, pools and quota tables."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from batch_infra.ops.preflight import Preflight
from batch_infra.ops.preflight_steps import SYMBOLS, summary_line

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
# Pulumi's step colours: + green, ~ yellow, +- magenta, - red.
STEP_STYLES = {
    "create": "green",
    "update": "yellow",
    "replace": "magenta",
    "delete": "red",
    "same": "dim",
    "fails": "bold red",
}


def run_against_target(
    stack: str,
    project_dir: Path,
    *,
    azure: bool,
    as_json: bool,
    started: float,
    state_file: Path | None = None,
) -> int:
    """Start (or reach) the target and plan meanwhile, read it with progress on stderr, print; 0 if all
    checks pass, else 1. `started` is the command's start (perf_counter): the printed time is the total."""
    from batch_infra.cli.preflight import plan_document, plan_tree, to_json
    from batch_infra.ops import embedded, preflight

    if azure:  # a deployment would fail on them: say so before reading Azure
        from batch_infra.config.placeholders import refuse_placeholders

        refuse_placeholders(stack, project_dir)
    from batch_infra.ops.plan import plan_stack
    from batch_infra.ops.stack_state import load_state

    state = load_state(state_file) if state_file is not None else None
    owned = embedded.owns_target(azure)
    with embedded.starting_target(azure) as ready:  # the embedded emulator boots while we plan
        with Console(stderr=True).status(f"planning stack {stack} under Pulumi's mock runtime") as status:
            plan = plan_stack(stack, project_dir)
            planned = time.perf_counter()
            status.update("waiting for the target" + (" (the embedded emulator)" if owned else ""))
            target = ready()
            reached = time.perf_counter()
            result = preflight.run(
                plan,
                project_dir,
                target,
                step=status.update,
                scratch_catalog=owned,
                where=embedded.describe(target, owned=owned),
                state=state,
            )
        # Printed before the embedded emulator is stopped: the user reads while it shuts down.
        result.seconds.update(
            plan=planned - started, target=reached - planned, total=time.perf_counter() - started
        )
        baseline = stack_baseline(plan, project_dir)
        if as_json:
            document = {**plan_document(plan), "preflight": result.to_dict()}
            click.echo(to_json({**document, "securityBaseline": baseline.to_dict()}))
        else:
            show(Console(), plan_tree(plan), result)
            show_baseline(Console(), baseline)
    return 0 if result.ok and baseline.ok else 1


def stack_baseline(plan: Any, project_dir: Path) -> Any:
    """The security baseline (policy pack rules) over the plan, at the stack's policies.securityBaseline."""
    from batch_infra.config import load_stack_file, stack_file
    from batch_infra.ops.baseline import check_plan

    config = load_stack_file(stack_file(plan.stack, project_dir), environment=plan.stack).config
    return check_plan(plan, config.policies)


def show_baseline(console: Console, baseline: Any) -> None:
    """One line per finding: mandatory ones fail the run (as the policy pack fails `pulumi preview`)."""
    if not baseline.findings:
        console.print("security baseline: [green]every rule passes[/]")
        return
    for finding in baseline.findings:
        style = "bold red" if finding.level == "mandatory" else "yellow"
        console.print(f"[{style}]{finding.level}[/] {escape(finding.rule)}: {escape(finding.message)}")
    verdict = "[green]no mandatory rule broken[/]" if baseline.ok else "[bold red]mandatory rule broken[/]"
    console.print(f'security baseline: {verdict} (policies.securityBaseline; README "Policy pack")')


def show(console: Console, tree: Tree, result: Preflight) -> None:
    from batch_infra.cli.quota import print_fixes, print_verdict, quota_table

    console.print(tree)
    console.print(resource_table(result))
    console.print(pool_table(result))
    console.print(image_table(result))
    console.print(quota_table(result.quotas, result.target))
    print_fixes(console, result.quotas)
    print_verdict(console, result.quotas, result.target)
    console.print(f"Resources: {summary_line(result.counts)} [dim](deletes {escape(result.managed_from)})[/]")
    verdict = "[green]ok[/]" if result.ok else "[bold red]checks failed[/]"
    console.print(
        f"preflight {verdict} against {escape(result.target)} in {result.seconds.get('total', 0):.1f}s "
        "(total wall time)"
    )


def resource_table(result: Preflight) -> Table:
    """Per step, as `pulumi preview` lists them: symbol and op, then the resource's name, type and detail
    beneath (so at 80 columns names stay whole). Deletes come last."""
    table = Table(
        title=f"plan for stack {escape(result.stack)} on {escape(result.target)}", title_justify="left"
    )
    table.add_column("step", no_wrap=True)
    table.add_column("resource / type / detail", overflow="fold", ratio=1)
    for step in result.steps:
        style = STEP_STYLES[step.op]
        cell = f"[bold]{escape(step.name)}[/]\n[dim]{escape(step.type)}[/]" + (
            f"\n{escape(step.detail)}" if step.detail else ""
        )
        table.add_row(f"[{style}]{escape(SYMBOLS[step.op]):>2} {step.op}[/]", cell)
    return table


def pool_table(result: Preflight) -> Table:
    table = Table(title="pools", title_justify="left")
    _id_column(table, "pool", [p.pool_id for p in result.pools])
    table.add_column("action", overflow="fold")
    table.add_column("detail", overflow="fold", ratio=1)
    table.add_column("autoscale", overflow="fold", ratio=1)
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
    _id_column(table, "pool", [p.pool_id for p in result.pools])
    for column in ("image", "node agent SKU", "end of life", "verdict", "replacement / note"):
        table.add_column(column, overflow="fold")
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


def _id_column(table: Table, header: str, ids: list[str]) -> None:
    """A column of ids that is never cropped nor broken: as wide as the longest id."""
    table.add_column(header, no_wrap=True, min_width=max((len(i) for i in ids), default=len(header)))


def _styled(styles: dict[str, str], value: str) -> str:
    style = styles.get(value, "")
    return f"[{style}]{escape(value)}[/]" if style else escape(value)
