"""`batch-infra preflight` against a target: progress while reading, then the plan, pools and quota tables."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from batch_infra.cli import output
from batch_infra.cli.output import Output
from batch_infra.ops.preflight import Preflight
from batch_infra.ops.preflight_steps import SYMBOLS, Step, summary_line

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
_DIFF_STYLES = {"+": "green", "-": "red", "~": "yellow"}
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


@dataclass(frozen=True)
class Request:
    """What `batch-infra preflight` was asked for (its options, once parsed)."""

    stack: str
    project_dir: Path
    azure: bool
    out: Output
    started: float  # the command's start (perf_counter): the printed time is the total
    state_file: Path | None = None
    expect_no_changes: bool = False
    show_diff: bool = False


def run_against_target(request: Request) -> int:
    """Start (or reach) the target and plan meanwhile, read it with progress on stderr, print; 0 if all
    checks pass (and, with --expect-no-changes, nothing changes), else 1."""
    from batch_infra.cli.preflight import json_ready, plan_document, plan_tree
    from batch_infra.ops import embedded, preflight
    from batch_infra.ops.plan import plan_stack
    from batch_infra.ops.stack_state import load_state

    stack, project_dir, azure = request.stack, request.project_dir, request.azure
    state = load_state(request.state_file) if request.state_file is not None else None
    owned = embedded.owns_target(azure)
    from batch_infra.config import stack_file
    from batch_infra.config.provider_config import azure_native_settings

    settings = azure_native_settings(stack_file(stack, project_dir)) if azure else None
    with embedded.starting_target(azure, azure_native=settings) as ready:  # the emulator boots while we plan
        status_console = output.console(stderr=True)
        with status_console.status(f"planning stack {stack} under Pulumi's mock runtime") as status:
            plan = plan_stack(stack, project_dir)
            if azure:  # a deployment would fail on them: say so before reading Azure
                from batch_infra.config.placeholders import refuse_placeholders

                refuse_placeholders(plan.source, plan.config)
            planned = time.perf_counter()
            status.update("waiting for the target" + (" (the embedded emulator)" if owned else ""))
            target = ready()
            reached = time.perf_counter()
            result = preflight.run(
                plan,
                target,
                step=status.update,
                scratch_catalog=owned,
                where=embedded.describe(target, owned=owned),
                state=state,
            )
        # Printed before the embedded emulator is stopped: the user reads while it shuts down.
        result.seconds.update(
            plan=planned - request.started,
            target=reached - planned,
            total=time.perf_counter() - request.started,
        )
        baseline = stack_baseline(plan)
        changed = [s for s in result.steps if s.op != "same"]
        if not request.out.human:
            document = {**plan_document(plan), "preflight": result.to_dict()}
            request.out.emit(json_ready({**document, "securityBaseline": baseline.to_dict()}))
        else:
            console = output.console()
            show(console, plan_tree(plan), result, diff=request.show_diff)
            show_baseline(console, baseline)
        if request.expect_no_changes and changed:
            click.echo(unexpected_changes(changed), err=True)
    drift = request.expect_no_changes and bool(changed)
    return 0 if result.ok and baseline.ok and not drift else 1


def unexpected_changes(changed: list[Step]) -> str:
    """--expect-no-changes failed: pulumi's words, then each step that is not `same` and its detail."""
    count = len(changed)
    lines = [f"error: no changes were expected but {count} step(s) change something (--expect-no-changes):"]
    for step in changed:
        lines.append(f"  {SYMBOLS[step.op]:>2} {step.op} {step.name} ({step.type})")
        details = [c.render() for c in step.changes] or ([step.detail] if step.detail else [])
        lines += [f"       {d}" for d in details]
    return "\n".join(lines)


def stack_baseline(plan: Any) -> Any:
    """The security baseline (policy pack rules) over the plan, at the stack's policies.securityBaseline."""
    from batch_infra.ops.baseline import check_plan

    return check_plan(plan, plan.config.policies)


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


def show(console: Console, tree: Tree, result: Preflight, *, diff: bool = False) -> None:
    from batch_infra.cli.quota import print_fixes, print_verdict, quota_table

    console.print(tree)
    console.print(resource_table(result, diff=diff, width=console.width))
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


WIDE = 120  # from this console width the plan gives name, type and detail a column each


def resource_table(result: Preflight, *, diff: bool = False, width: int = 80) -> Table:
    """Per step, as `pulumi preview` lists them: symbol and op, the resource's name, type and detail (in
    one column, stacked, below WIDE columns so names stay whole at 80); with `diff`, old -> new per
    changed property, as `pulumi preview --diff`. Deletes come last."""
    table = Table(
        title=f"plan for stack {escape(result.stack)} on {escape(result.target)}", title_justify="left"
    )
    wide = width >= WIDE
    table.add_column("step", no_wrap=True)
    if wide:
        table.add_column("resource", no_wrap=True)
        table.add_column("type", overflow="fold")
        table.add_column("detail", overflow="fold", ratio=1)
    else:
        table.add_column("resource / type / detail", overflow="fold", ratio=1)
    for step in result.steps:
        style = STEP_STYLES[step.op]
        detail = escape(_without_briefs(step) if diff else step.detail)
        if diff:
            detail += "".join(f"\n[{_DIFF_STYLES[c.symbol]}]{escape(c.render())}[/]" for c in step.changes)
        detail = detail.lstrip("\n")
        name, type_ = f"[bold]{escape(step.name)}[/]", f"[dim]{escape(step.type)}[/]"
        cells = [name, type_, detail] if wide else ["\n".join(c for c in (name, type_, detail) if c)]
        table.add_row(f"[{style}]{escape(SYMBOLS[step.op]):>2} {step.op}[/]", *cells)
    return table


def _without_briefs(step: Step) -> str:
    """The detail without the one-line `path old -> new` summary that --diff's lines repeat in full."""
    briefs = "; ".join(c.brief() for c in step.changes)
    if briefs and step.detail.startswith(briefs):
        return step.detail[len(briefs) :].removeprefix("; ")
    return step.detail


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
