"""`batch-infra keys rotate`: zero-downtime rotation of Batch and auto-storage keys (no secret shown)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from batch_infra.cli.options import azure_option, project_option, stack_option
from batch_infra.cli.output import Output, output_options
from batch_infra.cli.suggest import SuggestingGroup
from batch_infra.errors import BatchInfraError


@click.group(cls=SuggestingGroup)
def keys() -> None:
    """Batch account and auto-storage keys."""


@keys.command()
@stack_option(help="Stack whose account to rotate (stacks/Pulumi.<STACK>.yaml).")
@azure_option
@click.option("--batch", "batch", is_flag=True, help="Rotate the Batch account's shared keys.")
@click.option(
    "--storage", "storage", is_flag=True, help="Rotate the auto-storage account's keys (StorageKeys mode)."
)
@click.option("--dry-run", is_flag=True, help="Show the steps without changing anything.")
@click.option(
    "--sink",
    type=click.Choice(["keyvault", "file"]),
    default="keyvault",
    show_default=True,
    help="Where consumers read the Batch key.",
)
@click.option(
    "--vault-url", help="Key Vault URL for --sink keyvault (the emulator's own vault by default there)."
)
@click.option("--secret-name", help="Key Vault secret name [default: <batch account>-shared-key].")
@click.option(
    "--sink-path", type=click.Path(dir_okay=False, path_type=Path), help="Key file for --sink file."
)
@click.option(
    "--sink-format",
    type=click.Choice(["json", "env"]),
    default="json",
    show_default=True,
    help="Key file format: JSON, or an env file (BATCH_ACCOUNT_NAME / BATCH_ACCOUNT_KEY).",
)
@click.option(
    "--grace",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="Seconds consumers get to pick up the new key before the old one is regenerated; at least the "
    "longest a consumer keeps a key it read.",
)
@click.option(
    "--storage-propagation",
    type=click.FloatRange(min=0),
    default=300.0,
    show_default=True,
    help="Seconds an auto-storage key sync gets to reach the compute nodes before the other key is "
    "regenerated (Azure's guidance: five minutes).",
)
@project_option
@output_options
def rotate(
    stack: str,
    azure: bool,
    batch: bool,
    storage: bool,
    dry_run: bool,
    sink: str,
    vault_url: str | None,
    secret_name: str | None,
    sink_path: Path | None,
    sink_format: str,
    grace: float,
    storage_propagation: float,
    project_dir: Path,
    out: Output,
) -> None:
    """Rotate keys without a moment in which consumers hold a dead key; re-run to finish an interrupted one.

    With neither --batch nor --storage, both are rotated (only --storage when the stack disallows SharedKey).
    The keys rotated are Azure's with --azure, else those of the emulator BATCH_INFRA_EMULATOR names.
    """
    from batch_infra.config import load_stack_file, stack_file
    from batch_infra.config.provider_config import azure_native_settings
    from batch_infra.ops.key_sink_claim import SINK_TAG
    from batch_infra.ops.keys import resolve_account
    from batch_infra.ops.keys import rotate as run

    path = stack_file(stack, project_dir)
    config = load_stack_file(path, environment=stack).config
    if not batch and not storage:
        batch, storage = config.account.shared_key_allowed(), True
    if batch and not config.account.shared_key_allowed():
        raise BatchInfraError(
            f"stack {stack} does not allow SharedKey, so its Batch account has no keys to rotate",
            fix="consumers use Microsoft Entra ID; rotate only --storage (the default for this stack)",
        )
    target = _target(azure, azure_native_settings(path))
    account = resolve_account(target, config)
    key_sink = _sink(sink, target, account.batch_account, vault_url, secret_name, sink_path, sink_format)
    progress = _Progress(enabled=out.human)
    if batch and grace <= 0:
        click.echo(
            "warning: --grace 0: consumers that read the old key just before the switch will fail", err=True
        )
    try:
        report = run(
            target,
            account,
            key_sink,
            batch=batch,
            storage=storage,
            grace=grace,
            storage_propagation=storage_propagation,
            dry_run=dry_run,
            on_step=progress.step,
            sleep=Countdown(enabled=out.human),
            declared_sink=config.all_tags().get(SINK_TAG),
        )
    except KeyboardInterrupt:
        if not dry_run:
            click.echo(half_done(key_sink, stack, azure=azure), err=True)
        raise
    if not out.human:
        out.emit(report.as_json())
    else:
        _render(report)


def _target(azure: bool, azure_native: dict[str, Any] | None) -> Any:
    """Azure with --azure (as every command), else the emulator named by BATCH_INFRA_EMULATOR: an empty
    embedded one, as preflight starts, has no account whose keys could be rotated."""
    import os

    from batch_infra.ops.embedded import azure_target
    from batch_infra.providers.azure_clients import EMULATOR_ENV, Target

    if azure:
        return azure_target(azure_native=azure_native)
    if not os.environ.get(EMULATOR_ENV):
        raise click.UsageError(
            "keys rotate changes keys, so it names its target: add --azure to rotate the keys in Azure "
            f"(signed in as for --azure anywhere), or set {EMULATOR_ENV} to an emulator's ready file"
        )
    return Target.from_environment()


def _sink(
    kind: str,
    target: Any,
    account: str,
    vault_url: str | None,
    secret_name: str | None,
    path: Path | None,
    fmt: str,
) -> Any:
    from batch_infra.ops.key_sinks import FileSink, KeyVaultSink

    if kind == "file":
        if path is None:
            raise click.UsageError("--sink file needs --sink-path")
        return FileSink(path, fmt)
    if vault_url is None and not target.is_emulator:
        raise click.UsageError("--sink keyvault needs --vault-url (https://<vault>.vault.azure.net)")
    return KeyVaultSink(target, vault_url or target.arm_endpoint, secret_name or f"{account}-shared-key")


class Countdown:
    """Waits in one-second steps and shows what for and how long is left: a rotation waits minutes, and a
    silent one looks hung. On a terminal one line counts down; in a CI log a line every 30 s."""

    def __init__(self, *, enabled: bool, clock: Any = None) -> None:
        import sys
        import time

        self.enabled, self.tty = enabled, sys.stderr.isatty()
        self.sleep, self.now = (clock.sleep, clock.now) if clock else (time.sleep, time.monotonic)

    def __call__(self, seconds: float, why: str) -> None:
        end = self.now() + seconds
        last_shown = None
        while (left := end - self.now()) > 0:
            whole = int(left + 0.999)
            if self.enabled and (self.tty or last_shown is None or last_shown - whole >= 30):
                line = f"  waiting {whole}s {why} (Ctrl-C is safe: a re-run resumes)"
                click.echo(f"\r{line}\033[K" if self.tty else line, err=True, nl=not self.tty)
                last_shown = whole
            self.sleep(min(1.0, left))
        if self.enabled and self.tty:
            click.echo("", err=True)


def half_done(sink: Any, stack: str, *, azure: bool = False) -> str:
    """What an interrupted rotation left behind, from the progress it records in the sink, and the fix."""
    from batch_infra.ops.storage_keys import STORAGE_PENDING

    rerun = f"re-run `batch-infra keys rotate --stack {stack}{' --azure' if azure else ''}` to finish it"
    try:
        state = sink.read_state()
    except (BatchInfraError, OSError) as err:
        return f"rotation interrupted; its progress could not be read ({err}); {rerun}"
    parts = []
    if state.phase == "published":
        parts.append(
            f"the {state.to_key} key is published to consumers and the {state.from_key} key is not yet "
            "regenerated (both keys still work)"
        )
    if state.storage_phase in STORAGE_PENDING:
        parts.append(f"the auto-storage rotation stopped after step '{state.storage_phase}'")
    if not parts:
        return (
            f"rotation interrupted before any key changed hands; {rerun} (or leave it: nothing is half done)"
        )
    return "rotation interrupted: " + "; ".join(parts) + f"; {rerun}"


class _Progress:
    """One line on stderr per finished step (rotations wait for consumers, so they take a while)."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled

    def step(self, part: str, name: str) -> None:
        if self.enabled:
            click.echo(f"  {part}: {name}", err=True)


def _render(report: Any) -> None:
    from rich.markup import escape

    from batch_infra.cli import output

    console = output.console(highlight=False, soft_wrap=True)
    verb = "would rotate" if report.dry_run else "rotated"
    console.print(
        f"[bold]{verb} keys of Batch account {escape(report.account)}[/] (sink: {escape(report.sink)})"
    )
    for part, lines in (("batch", report.batch), ("storage", report.storage)):
        for line in lines:
            console.print(f"  {part}: {escape(line)}")
    for note in report.notes:
        console.print(f"  note: {escape(note)}", style="dim")
