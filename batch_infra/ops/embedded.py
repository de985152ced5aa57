"""The target a CLI run reads: an embedded emulator started for the run (default), or Azure itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from batch_infra.errors import AzureOperationError, BatchInfraError
from batch_infra.providers.azure_clients import EMULATOR_ENV, Target
from batch_infra.providers.sign_in import resolve

READY_TIMEOUT = 60.0
STOP_GRACE = 20.0  # a normal end: the emulator stops Azurite and removes its work directory
INTERRUPT_GRACE = 3.0  # Ctrl-C: the user wants the prompt back
EMBEDDED = "embedded emulator (empty)"  # how reports name a fresh emulator started for the run
WORKDIR_PREFIX = "batch-infra-embedded-"  # + our pid: the ready file and the emulator's stderr


@contextmanager
def target(
    azure: bool, subscription_id: str | None = None, azure_native: dict[str, Any] | None = None
) -> Iterator[Target]:
    """Azure when `azure` (signed in as `azure_native`, the stack's `azure-native:*` config, and the
    environment say: providers/sign_in.py), else a fresh, empty emulator that stops afterwards.

    An emulator already named by BATCH_INFRA_EMULATOR (a ready file) is used as is instead of a new one:
    that is how tests and `batch-infra emulator start` users point a command at state they prepared.
    """
    with starting_target(azure, subscription_id, azure_native) as ready:
        yield ready()


@contextmanager
def starting_target(
    azure: bool, subscription_id: str | None = None, azure_native: dict[str, Any] | None = None
) -> Iterator[Callable[[], Target]]:
    """Like `target`, but yields at once with a function that waits for the target: an embedded emulator
    boots (a second or two) while the caller does other work, e.g. plans the stack."""
    if azure:
        found = azure_target(subscription_id, azure_native)
        yield lambda: found
        return
    if os.environ.get(EMULATOR_ENV):
        yield Target.from_environment
        return
    with embedded_emulator() as ready:
        yield ready


def describe(target: Target, *, owned: bool) -> str:
    """Where a run read from, for titles and JSON: the embedded emulator, an emulator, or Azure."""
    if not target.is_emulator:
        signed_in = f", signed in with {target.sign_in.summary()}" if target.sign_in else ""
        return f"Azure subscription {target.subscription_id}{signed_in}"
    if owned:
        return EMBEDDED
    return f"emulator at {target.arm_endpoint}"


def owns_target(azure: bool) -> bool:
    """True when `target(azure)` starts an emulator for this run alone (its state is ours to use)."""
    return not azure and not os.environ.get(EMULATOR_ENV)


def azure_target(subscription_id: str | None = None, azure_native: dict[str, Any] | None = None) -> Target:
    if not (subscription_id or resolve(azure_native).subscription_id):
        raise BatchInfraError(
            "--azure needs the subscription to read",
            fix="set ARM_SUBSCRIPTION_ID or AZURE_SUBSCRIPTION_ID, or azure-native:subscriptionId in the "
            "stack file (and sign in: `az login`, ARM_*/AZURE_* service principal or OIDC variables, or a "
            "managed identity)",
        )
    return Target.azure(subscription_id, azure_native)


@contextmanager
def embedded_emulator() -> Iterator[Callable[[], Target]]:
    """`batch-infra emulator start` in a subprocess with its own state, until the block ends; yields at
    once a function that waits until it is ready.

    The emulator runs in its own session, so a terminal's Ctrl-C reaches only this process: it then gets
    SIGTERM and, if it has not exited after a short wait, its whole process group (Azurite too) is killed.
    The CLI turns SIGTERM and SIGHUP into that same path (batch_infra.cli.main). If this process is killed
    outright, the kernel sends the emulator SIGTERM (a parent-death signal), which stops its Azurite the
    same way, and the next run sweeps the work directory left behind (its name carries our pid).
    """
    from batch_infra.emulator.lifetime import die_with_parent, remove_dead_workdirs

    remove_dead_workdirs(WORKDIR_PREFIX)
    with tempfile.TemporaryDirectory(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-") as workdir:
        ready = Path(workdir) / "ready.json"
        log = Path(workdir) / "emulator.stderr"
        command = [
            sys.executable,
            "-m",
            "batch_infra",
            "emulator",
            "start",
            "--port",
            "0",
            "--ready-file",
            str(ready),
        ]
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                command,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
                preexec_fn=die_with_parent(),  # noqa: PLW1509 - prctl only; no locks are taken in the child
            )
        grace = STOP_GRACE
        try:

            def wait() -> Target:
                _wait_ready(process, ready, log)
                return Target.from_ready_file(ready, polling_interval=0)

            yield wait
        except KeyboardInterrupt:
            grace = INTERRUPT_GRACE
            raise
        finally:
            _stop(process, grace)


def _wait_ready(process: subprocess.Popen[bytes], ready: Path, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while not ready.exists():
        if process.poll() is not None:
            raise AzureOperationError(
                "starting the embedded emulator",
                None,
                f"it exited with {process.returncode}: {_tail(log)}",
                fix="run `batch-infra emulator start` to see the full error",
            )
        if time.monotonic() > deadline:
            raise AzureOperationError(
                "starting the embedded emulator",
                None,
                f"not ready within {READY_TIMEOUT:.0f}s: {_tail(log)}",
                fix="check that Azurite is installed (./scripts/setup.sh)",
            )
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM, then after `grace` seconds SIGKILL to the process group (the leader is not reaped yet,
    so the group id is still ours)."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _tail(log: Path, chars: int = 2000) -> str:
    return log.read_text(errors="replace")[-chars:].strip() if log.exists() else "(no output)"
