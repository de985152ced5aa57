"""`batch-infra autoscale`: check, evaluate and simulate autoscale formulas offline."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import click

from batch_infra.cli.output import Output, output_options
from batch_infra.cli.suggest import SuggestingGroup
from batch_infra.errors import BatchInfraError, ExitCode

_FORMULA = click.File("rb")


def _read(handle: BinaryIO) -> str:
    data = handle.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise click.ClickException(f"{handle.name}: the formula is not UTF-8 text ({err.reason})") from err


def _timestamp(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    from batch_infra.autoscale.timefmt import TimeFormatError, parse_time_string

    try:
        return parse_time_string(value)
    except TimeFormatError as err:
        raise click.BadParameter(f"{value!r} is not ISO 8601 (2024-01-31T08:00:00Z) or RFC 1123") from err


class _Commands(SuggestingGroup):
    """Turns an unexpected exception into one line and exit code 3, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BatchInfraError:
            raise
        except Exception as err:  # noqa: BLE001 - the last line of defence of a command line tool
            raise _InternalError(
                f"internal error in `batch-infra autoscale {ctx.invoked_subcommand}`: "
                f"{type(err).__name__}: {err}",
                fix="report it with the formula and the command line",
            ) from err


class _InternalError(BatchInfraError):
    exit_code = ExitCode.AZURE  # 3: a failure of the tool, not of the input


def _multiple_of_30(_ctx: click.Context, _param: click.Parameter, value: int) -> int:
    if value % 30:
        raise click.BadParameter(f"{value} is not a multiple of 30 (metrics are sampled every 30 s)")
    return value


def _deprecated(old: str, new: str) -> Any:
    """A callback that warns when the old spelling of an option is used (it keeps working)."""

    def warn(_ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is not None:
            click.echo(
                f"warning: {old} is deprecated (low-priority nodes were retired on 2025-09-30 for Spot "
                f"nodes, the name this project uses); use {new}",
                err=True,
            )
        return value

    return warn


@click.group(cls=_Commands)
def autoscale() -> None:
    """Validate, evaluate and simulate Azure Batch autoscale formulas offline."""


@autoscale.command()
@click.argument("formula_file", type=_FORMULA, metavar="FILE")
@output_options
@click.option("--max-dedicated", type=click.IntRange(min=0), help="Declared maximum of dedicated nodes.")
@click.option("--max-spot", type=click.IntRange(min=0), help="Declared maximum of Spot nodes.")
@click.pass_context
def check(
    ctx: click.Context, formula_file: BinaryIO, out: Output, max_dedicated: int | None, max_spot: int | None
) -> None:
    """Check FILE (or - for stdin): exit 0 when valid, 1 when invalid (first stderr: line L, col C: ...).

    -o json: {valid, errors, warnings} on stdout."""
    from batch_infra.autoscale import check as check_formula

    result = check_formula(_read(formula_file), max_dedicated=max_dedicated, max_spot=max_spot)
    for diagnostic in result.errors:
        click.echo(str(diagnostic), err=True)
    for diagnostic in result.warnings:
        click.echo(f"warning: {diagnostic} [{diagnostic.code}]", err=True)
    if not out.human:
        out.emit(result.to_dict())
    ctx.exit(int(ExitCode.OK if result.valid else ExitCode.INVALID))


@autoscale.command("eval")
@click.argument("formula_file", type=_FORMULA, metavar="FILE")
@click.option("--at", "at", required=True, callback=_timestamp, help="Evaluation time (ISO 8601, UTC).")
@click.option(
    "--metrics",
    "metrics_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='Metrics file (.csv or .json; format: README, "Metrics files").',
)
@click.option("--dedicated", default=0, type=click.IntRange(min=0), help="Current dedicated nodes.")
@click.option("--spot", default=0, type=click.IntRange(min=0), help="Current Spot nodes.")
@click.option(
    "--low-priority",
    type=click.IntRange(min=0),
    hidden=True,
    callback=_deprecated("--low-priority", "--spot"),
)
@click.option("--task-slots", default=1, type=click.IntRange(min=1), help="Task slots per node.")
@output_options
@click.pass_context
def eval_(
    ctx: click.Context,
    formula_file: BinaryIO,
    at: datetime,
    metrics_path: Path | None,
    dedicated: int,
    spot: int,
    low_priority: int | None,
    task_slots: int,
    out: Output,
) -> None:
    """Evaluate FILE at --at against --metrics and print Azure's result string.

    -o json: Azure's AutoScaleRun ({timestamp, results, error}), as the evaluate API answers."""
    from batch_infra.autoscale import Metrics, PoolState, evaluate

    spot = low_priority if low_priority is not None else spot
    metrics = Metrics.load(metrics_path) if metrics_path else Metrics()
    pool = PoolState(dedicated, spot, dedicated, spot, task_slots)
    result = evaluate(_read(formula_file), at=at, metrics=metrics, current=pool)
    if not out.human:
        run = {
            "timestamp": result.timestamp.isoformat().replace("+00:00", "Z"),
            "results": result.result_string,
        }
        out.emit({**run, **({"error": result.error.to_dict()} if result.error else {})})
        ctx.exit(int(ExitCode.INVALID if result.error else ExitCode.OK))
    if result.error is not None:
        detail = "; ".join(v["value"] for v in result.error.values)
        click.echo(f"{result.error.code}: {result.error.message}: {detail}", err=True)
        ctx.exit(int(ExitCode.INVALID))
    click.echo(result.result_string)


@autoscale.command()
@click.argument("formula_file", type=_FORMULA, metavar="FILE")
@click.option(
    "--workload",
    type=click.Choice(["constant", "ramp", "burst", "diurnal"]),
    help="Generated workload (closed loop: tasks run on the simulated nodes).",
)
@click.option(
    "--metrics",
    "metrics_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Replay a metrics file instead of a generated workload.",
)
@click.option("--days", default=1.0, type=click.FloatRange(min=0, min_open=True), show_default=True)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--interval",
    default=15,
    type=click.IntRange(5, 168 * 60),
    show_default=True,
    help="Evaluation interval in minutes (the service allows 5 to 10080).",
)
@click.option(
    "--start",
    callback=_timestamp,
    help="Simulation start (ISO 8601); default: the first sample of --metrics, else 2024-01-01T00:00:00Z.",
)
@click.option(
    "--rate",
    default=4.0,
    type=click.FloatRange(min=0),
    show_default=True,
    help="Workload peak in tasks per minute.",
)
@click.option("--max-dedicated", type=click.IntRange(min=0), help="Declared maximum of dedicated nodes.")
@click.option("--max-spot", type=click.IntRange(min=0), help="Declared maximum of Spot nodes.")
@click.option("--quota-dedicated", type=click.IntRange(min=0), help="Dedicated nodes the core quota allows.")
@click.option("--quota-spot", type=click.IntRange(min=0), help="Spot nodes the core quota allows.")
@click.option(
    "--resolution",
    default=30,
    type=click.IntRange(min=30),
    callback=_multiple_of_30,
    show_default=True,
    help="Seconds between timeline rows (a multiple of 30).",
)
@click.option(
    "--provisioning-delay",
    default=5,
    type=click.IntRange(min=0),
    show_default=True,
    help="Minutes from a resize to a usable node.",
)
@output_options
@click.option(
    "--timeline-json/--no-timeline-json",
    default=None,
    help="Write timeline.json (the rows of timeline.csv as JSON). Default: only up to 40,320 rows "
    "(14 days of 30-s rows; a 90-day run made 77 MB).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show progress on stderr. Default: on when stderr is a terminal.",
)
@click.pass_context
def simulate(
    ctx: click.Context,
    formula_file: BinaryIO,
    workload: str | None,
    metrics_path: Path | None,
    days: float,
    out_dir: Path,
    interval: int,
    start: datetime | None,
    rate: float,
    max_dedicated: int | None,
    max_spot: int | None,
    quota_dedicated: int | None,
    quota_spot: int | None,
    resolution: int,
    provisioning_delay: int,
    out: Output,
    timeline_json: bool | None,
    progress: bool | None,
) -> None:
    """Simulate FILE for --days and write timeline.csv/.json, summary.json and timeline.png to --out.

    -o json: the summary and the files written, as one document on stdout."""
    from batch_infra.autoscale import Metrics
    from batch_infra.autoscale.plot import RunLabel
    from batch_infra.autoscale.report import MAX_JSON_ROWS, write_outputs
    from batch_infra.autoscale.simulator import SimulationConfig
    from batch_infra.autoscale.simulator import simulate as run
    from batch_infra.autoscale.workloads import Workload

    if (workload is None) == (metrics_path is None):
        raise click.UsageError("give exactly one of --workload NAME or --metrics FILE")
    config = SimulationConfig(
        start=start,
        days=days,
        interval=timedelta(minutes=interval),
        max_dedicated=max_dedicated,
        max_spot=max_spot,
        quota_dedicated=quota_dedicated,
        quota_spot=quota_spot,
        provisioning_delay=timedelta(minutes=provisioning_delay),
        resolution=timedelta(seconds=resolution),
    )
    source = {"workload": Workload(workload, rate)} if workload else {"metrics": Metrics.load(metrics_path)}
    name = Path(formula_file.name).name if formula_file.name != "<stdin>" else "stdin"
    shown = _Progress(name, days) if _wants_progress(progress) else None
    result = run(_read(formula_file), config=config, progress=shown, **source)
    inputs = f"{workload} workload, peak {rate:g} tasks/min" if workload else f"metrics from {metrics_path}"
    try:
        paths = write_outputs(result, out_dir, RunLabel(name, config, inputs), timeline_json=timeline_json)
    except OSError as err:
        raise BatchInfraError(
            f"--out {out_dir}: cannot write the results there "
            f"({err.strerror or err}: {err.filename or out_dir})",
            fix="choose a folder you can write to",
        ) from err
    summary = result.summary
    if out.human:
        click.echo(summary_text(summary))
        for path in paths.values():
            click.echo(f"wrote {path}")
    else:
        out.emit({"summary": summary.to_dict(), "files": {name: str(p) for name, p in paths.items()}})
    if "timeline.json" not in paths and timeline_json is None:
        click.echo(
            f"note: no timeline.json: {len(result.timeline):,} rows is over {MAX_JSON_ROWS:,} "
            "(timeline.csv has them all); pass --timeline-json to write it anyway",
            err=True,
        )
    coverage = summary.metrics_coverage
    if coverage is not None and coverage < 0.99:
        click.echo(
            f"warning: {metrics_path} covers {coverage:.0%} of the {days:g} simulated day(s); outside it "
            "every metric holds its nearest sample. fix: pass --days to match the file, or a longer file",
            err=True,
        )
    if summary.mostly_failed:
        click.echo(
            f"error: {summary.failed_evaluations} of {summary.evaluations} evaluations failed, so the pool "
            f"never followed the formula; most often: {summary.main_failure}\n"
            "  fix: `batch-infra autoscale eval FILE --at TIME` shows one evaluation; correct the formula "
            "(or give --metrics every metric it reads)",
            err=True,
        )
        ctx.exit(int(ExitCode.INVALID))


def summary_text(summary: Any) -> str:
    """One line, whole numbers where they are counts, the main failure when evaluations failed."""
    failed = f"{summary.failed_evaluations} failed"
    if summary.failed_evaluations:
        failed += f": {summary.main_failure}"
    from batch_infra.autoscale.plot import outcome

    return f"{summary.evaluations:,} evaluations ({failed}), {outcome(summary)}"


def _wants_progress(flag: bool | None) -> bool:
    return flag if flag is not None else sys.stderr.isatty()


class _Progress:
    """A long simulation's progress on stderr: one line rewritten on a terminal, a line per 10% otherwise."""

    def __init__(self, name: str, days: float) -> None:
        self.name, self.days = name, days
        self.tty = sys.stderr.isatty()
        self.shown = -1

    def __call__(self, done: float) -> None:
        step = int(done * 100) if self.tty else int(done * 10) * 10
        if step == self.shown:
            return
        self.shown = step
        line = f"simulating {self.name}: {step}% of {self.days:g} day(s)"
        if not self.tty:
            click.echo(line, err=True)
        elif done < 1:
            click.echo(f"\r{line}", err=True, nl=False)
        else:
            click.echo("\r" + " " * len(line) + "\r", err=True, nl=False)  # gone before the summary
