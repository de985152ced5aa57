"""`batch-infra emulator start`: run the local Azure emulator (and Azurite) in the foreground."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

import click

from batch_infra.cli.suggest import SuggestingGroup


@click.group(cls=SuggestingGroup)
def emulator() -> None:
    """The local Azure emulator used by the tests and for offline CI."""


@emulator.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="HTTPS port on 127.0.0.1; 0 picks a free one.",
)
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file keeping state across restarts (default: in memory).",
)
@click.option(
    "--ready-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the endpoints, CA bundle and token as JSON once ready.",
)
@click.option("--seed", type=int, default=None, help="Seed for probabilistic fault rules.")
def start(port: int, state_file: Path | None, ready_file: Path | None, seed: int | None) -> None:
    """Serve until Ctrl-C (SIGINT), SIGTERM or SIGHUP.

    Once ready, that signal is the normal end of a foreground server: it stops Azurite, removes its work
    directory and exits 0. Before it is ready the start was interrupted: exit 130 (SIGINT), 143 (SIGTERM)
    or 129 (SIGHUP). An unusable --state file exits 1; a port that cannot be bound or an Azurite that does
    not start exits 3 (batch_infra.errors.ExitCode), each with the option, the path and the fix.
    """
    from batch_infra.cli.main import stopped_by
    from batch_infra.emulator.launch import Emulator, Options, StartAbandoned

    stop = threading.Event()
    received: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        received.append(signum)
        stop.set()

    for option, path in (("--state", state_file), ("--ready-file", ready_file)):
        if path is not None:
            writable_folder(option, path)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    running = Emulator(Options(port=port, state=state_file, ready_file=ready_file, seed=seed))
    try:
        try:
            info = running.start(stop)
        except StartAbandoned:
            code, word = stopped_by(received[0])
            click.echo(f"{word} before the emulator was ready; nothing is served", err=True)
            raise click.exceptions.Exit(code) from None
        click.echo(json.dumps(info))
        click.echo(
            f"emulator ready at {info['arm_endpoint']} (services: {', '.join(info['services'])}); "
            "Ctrl-C stops it",
            err=True,
        )
        while not stop.wait(0.5):
            pass
    finally:
        running.stop()


def writable_folder(option: str, path: Path) -> None:
    """Create the file's folder (a fresh clone has no .emulator/); say which option and why when we cannot."""
    from batch_infra.errors import BatchInfraError

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise BatchInfraError(
            f"{option} {path}: cannot create its folder {path.parent} ({err.strerror or err})",
            fix="pass a path under a folder you can write to",
        ) from err
    if not os.access(path.parent, os.W_OK):
        raise BatchInfraError(
            f"{option} {path}: its folder {path.parent} is not writable",
            fix="pass a path under a folder you can write to",
        )
