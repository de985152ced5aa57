"""Root of the `batch-infra` command: a click group whose subcommands load lazily (startup stays fast)."""

from __future__ import annotations

import importlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import click

from batch_infra import __version__
from batch_infra.cli.output import DOCUMENT_FORMATS, render, wanted_format
from batch_infra.cli.suggest import SuggestingGroup
from batch_infra.errors import BatchInfraError, ExitCode

# Set (to anything) to let the Azure SDKs' own log records through to stderr.
DEBUG_ENV = "BATCH_INFRA_DEBUG"

# Ctrl-C: the shell convention 128 + SIGINT, so scripts can tell an interrupted run from a failed one.
INTERRUPTED = 128 + signal.SIGINT

# name -> "module:attribute". Each module owns one command (or group); importing it is deferred so
# `batch-infra --help` does not pay for pulumi or the Azure SDKs.
COMMANDS: dict[str, str] = {
    "preflight": "batch_infra.cli.preflight:preflight",
    "emulator": "batch_infra.cli.emulator:emulator",
    "autoscale": "batch_infra.cli.autoscale:autoscale",
    "quota": "batch_infra.cli.quota:quota",
    "keys": "batch_infra.cli.keys:keys",
    "promote": "batch_infra.cli.promote:promote",
    "images": "batch_infra.cli.images:images",
    "schema": "batch_infra.cli.schema:schema",
    "completion": "batch_infra.cli.completion:completion",
    "stack": "batch_infra.cli.stack:stack",
}


class LazyGroup(SuggestingGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if _available(name))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        module = importlib.import_module(module_name)
        return getattr(module, attr)


def _available(name: str) -> bool:
    module_name = COMMANDS[name].split(":")[0]
    return importlib.util.find_spec(module_name) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="batch-infra")
def cli() -> None:
    """Provision and operate Azure Batch environments as code."""


# Signals that end a run the way Ctrl-C does (a closed terminal, `kill`, a CI job's timeout).
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where Ctrl-C raises KeyboardInterrupt, so every cleanup that Ctrl-C runs
    (stopping the embedded emulator and its Azurite, removing their folders) runs for it too."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _terminate(signum: int, _frame: object) -> None:
    for other in STOP_SIGNALS:
        signal.signal(other, signal.SIG_IGN)  # a second one must not cut that cleanup short
    raise Terminated(signum)


REDELIVERY_DELAY = 0.02  # seconds: long enough to be out of the finalizer the interrupt was lost in


def _redeliver_lost_interrupts(previous: Callable[[Any], object]) -> Callable[[Any], None]:
    """A sys.unraisablehook: a Ctrl-C (or SIGTERM) whose KeyboardInterrupt was raised inside a finalizer or
    weakref callback is "ignored" by Python (a traceback on stderr, then the run went on and exited 0: seen
    at load 10). Deliver the signal again a moment later, from a thread: by then the main thread runs
    ordinary code, where the handler's raise stops the run and its cleanups run as for any Ctrl-C.
    (Delivered from here, signal.raise_signal and os.kill run the handler inside this hook: lost again.)"""

    def hook(unraisable: Any) -> None:
        interrupt = unraisable.exc_value
        if not isinstance(interrupt, KeyboardInterrupt):
            previous(unraisable)
            return
        signum = interrupt.signum if isinstance(interrupt, Terminated) else signal.SIGINT
        if signum != signal.SIGINT:
            signal.signal(signum, _terminate)  # _terminate ignored it while its first raise was under way
        threading.Thread(target=_interrupt_main, args=(signum,), daemon=True).start()

    return hook


def _interrupt_main(signum: int) -> None:
    import _thread

    time.sleep(REDELIVERY_DELAY)
    _thread.interrupt_main(signum)


def stopped_by(signum: int) -> tuple[int, str]:
    """How a run stopped by a signal exits: 128 + the signal's number (the shell's convention: 130 for
    Ctrl-C, 143 for SIGTERM, 129 for SIGHUP) and what to say on stderr."""
    if signum == signal.SIGINT:
        return INTERRUPTED, "interrupted"
    return 128 + signum, f"terminated by {signal.Signals(signum).name}"


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the command and maps errors to exit codes (0 ok, 1 invalid, 2 usage, 3 Azure)."""
    azure_logger = logging.getLogger("azure")
    previous_level = azure_logger.level
    if not os.environ.get(DEBUG_ENV):
        # azure-identity logs every failed credential attempt at WARNING and nothing configures logging, so
        # Python's last-resort handler printed each to stderr on top of the one error we render with its fix.
        azure_logger.setLevel(logging.ERROR)
    # Only the main thread may set handlers; main() also runs in-process (tests): leave all as found.
    handlers = threading.current_thread() is threading.main_thread()
    previous = {signum: signal.signal(signum, _terminate) for signum in STOP_SIGNALS} if handlers else {}
    unraisable = sys.unraisablehook
    if handlers:
        sys.unraisablehook = _redeliver_lost_interrupts(unraisable)
    try:
        return _run(argv)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sys.unraisablehook = unraisable
        azure_logger.setLevel(previous_level)


def _run(argv: list[str] | None) -> int:
    try:
        # With standalone_mode=False click returns (not raises) the code of ctx.exit(code).
        code = cli.main(args=argv, prog_name="batch-infra", standalone_mode=False)
        if isinstance(code, int) and code:
            return code
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.exceptions.Abort as err:
        if isinstance(err.__cause__, KeyboardInterrupt):
            return _stopped(err.__cause__)
        click.echo("aborted", err=True)
        return int(ExitCode.INVALID)
    except KeyboardInterrupt as err:  # outside the command, where click does not turn it into Abort
        return _stopped(err)
    except click.UsageError as err:
        err.show()
        return int(ExitCode.USAGE)
    except click.ClickException as err:
        err.show()
        return int(ExitCode.INVALID)
    except BatchInfraError as err:
        click.echo(f"error: {err.render()}", err=True)
        fmt = wanted_format(_args(argv))
        if fmt in DOCUMENT_FORMATS:
            # Machines read stdout: a refusal is a document too (the same shape for every command).
            click.echo(render(error_document(err, _command(argv)), fmt), nl=False)
        return int(err.exit_code)
    return int(ExitCode.OK)


def error_document(err: BatchInfraError, command: str, **extra: object) -> dict[str, object]:
    """The `--json` answer of any command that failed: `ok` false, what failed, every problem, the fix."""
    from batch_infra.errors import ConfigError

    return {
        "ok": False,
        "command": command,
        "error": err.message,
        "problems": err.problems if isinstance(err, ConfigError) else [],
        "fix": err.fix,
        "exitCode": int(err.exit_code),
        **extra,
    }


def _args(argv: list[str] | None) -> list[str]:
    return sys.argv[1:] if argv is None else argv


def _command(argv: list[str] | None) -> str:
    """The command's words (`keys rotate`, `preflight`), options left out."""
    words = []
    for arg in _args(argv):
        if arg.startswith("-"):
            break
        words.append(arg)
    return " ".join(words)


def _stopped(err: KeyboardInterrupt) -> int:
    code, word = stopped_by(err.signum if isinstance(err, Terminated) else signal.SIGINT)
    click.echo(word, err=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
