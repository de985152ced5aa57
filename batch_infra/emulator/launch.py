"""Assembles one emulator process: state, identity, TLS, Azurite, app, HTTPS server, ready file."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import sqlite3
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from batch_infra.emulator import lifetime, tls
from batch_infra.emulator.app import ADMIN_PREFIX, EmulatorApp
from batch_infra.emulator.azurite import Azurite, new_key
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.server import EmulatorServer
from batch_infra.emulator.state import State
from batch_infra.errors import AzureOperationError, BatchInfraError

# State collection/key of what must survive restarts and resets: subscription, tenant and the Azurite key
# (SAS URLs handed out before a restart are signed with it).
IDENTITY = ("emulator", "identity")
_WORKDIR_PREFIX = "batch-infra-emulator-"


@dataclass(frozen=True)
class Options:
    port: int = 0
    state: Path | None = None
    ready_file: Path | None = None
    seed: int | None = None
    azurite: bool = True  # False only for tests of the framework itself


def _identity(state: State) -> dict[str, str]:
    identity = state.get(*IDENTITY) or {}
    if not {"subscription_id", "tenant_id", "azurite_key"} <= set(identity):
        identity = {
            "subscription_id": str(uuid.uuid4()),
            "tenant_id": str(uuid.uuid4()),
            "azurite_key": new_key(),
            **identity,  # a state file from before the key was kept keeps its subscription and tenant
        }
        state.put(*IDENTITY, identity)
    return identity


def write_ready_file(path: Path, info: dict[str, Any]) -> None:
    """Write atomically: a reader polling for the file never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(info, indent=2) + "\n")
    os.replace(temporary, path)


def remove_dead_workdirs(root: Path | None = None) -> list[Path]:
    """Delete work directories left by emulators that were killed (SIGKILL skips every cleanup)."""
    return lifetime.remove_dead_workdirs(_WORKDIR_PREFIX, root)


def open_state(path: Path | None) -> State:
    """The state store; an unusable --state file is the user's to fix, named with the fix."""
    try:
        return State(path)
    except (OSError, sqlite3.Error) as err:
        raise BatchInfraError(
            f"--state {path}: cannot open it as the emulator's SQLite state file ({err}).",
            fix="pass a writable path in an existing directory, for a new or an earlier emulator state file",
        ) from err


class Emulator:
    def __init__(self, options: Options) -> None:
        self.options = options
        self.workdir = Path(tempfile.mkdtemp(prefix=f"{_WORKDIR_PREFIX}{os.getpid()}-"))
        self.state: State | None = None
        self.azurite: Azurite | None = None
        self.server: EmulatorServer | None = None
        self.vnet_server: EmulatorServer | None = None
        self._vnet_serving: threading.Thread | None = None
        self.app: EmulatorApp | None = None
        self.info: dict[str, Any] = {}
        self._stopped = False
        self._serving: threading.Thread | None = None  # the thread running serve_forever, once started
        atexit.register(self.stop)  # an exception or exit on the way still stops Azurite and cleans up

    def start(self, stop: threading.Event | None = None) -> dict[str, Any]:
        """Start everything; returns the ready info (also written to the ready file if one was given).

        Raises StartAbandoned as soon as `stop` is set (SIGINT/SIGTERM during start-up), so a stop request
        does not wait for the rest of the start; the caller's `stop()` then cleans up what was started.
        """
        stop = stop or threading.Event()
        if self.options.ready_file:
            self.options.ready_file.unlink(missing_ok=True)  # a stale file would point clients at a dead port
        remove_dead_workdirs(self.workdir.parent)
        files = tls.generate(self.workdir / "tls")
        self.state = open_state(self.options.state)
        identity = _identity(self.state)
        blob = None
        _give_up_if(stop)
        if self.options.azurite:
            location = (
                Path(f"{self.options.state}.azurite") if self.options.state else self.workdir / "azurite"
            )
            self.azurite = Azurite(location, identity["azurite_key"])
            try:
                blob = self.azurite.start()
            except AzureOperationError:
                # A terminal's Ctrl-C reaches Azurite too (same process group): its exit is that stop.
                _give_up_if(stop)
                raise
        _give_up_if(stop)
        ctx = EmulatorContext(
            state=self.state,
            arm_endpoint="",
            token=f"emulator-{uuid.uuid4().hex}",
            subscription_id=identity["subscription_id"],
            tenant_id=identity["tenant_id"],
            blob=blob,
        )
        ctx.load_clock()
        self.app = EmulatorApp(ctx, seed=self.options.seed)
        self.server = _bind(self.app, files.server_context(), self.options.port)
        ctx.arm_endpoint = f"https://127.0.0.1:{self.server.port}"
        # The second listener stands for "inside the environment's VNet": the Batch data plane reached
        # through a private endpoint (services/private_link/access.py). Any free port; same CA and app.
        self.vnet_server = EmulatorServer(self.app, files.server_context(), 0, network="vnet")
        ctx.vnet_endpoint = f"https://127.0.0.1:{self.vnet_server.port}"
        original_reset = self.app.reset

        def reset_keeping_identity() -> None:
            original_reset()
            self.state.put(*IDENTITY, identity)  # type: ignore[union-attr]

        self.app.reset = reset_keeping_identity  # type: ignore[method-assign]
        _give_up_if(stop)
        self._serving = self.server.start()
        self._vnet_serving = self.vnet_server.start()
        self.info = {
            "arm_endpoint": ctx.arm_endpoint,
            "ca_bundle": str(files.ca_bundle),
            "token": ctx.token,
            "subscription_id": ctx.subscription_id,
            "tenant_id": ctx.tenant_id,
            "blob_endpoint": blob.endpoint if blob else None,
            "admin_endpoint": ctx.arm_endpoint + ADMIN_PREFIX,
            "vnet_endpoint": ctx.vnet_endpoint,
            "location": ctx.location,
            "services": self.app.services,
            "pid": os.getpid(),
            "azurite_pid": self.azurite.pid if self.azurite else None,
        }
        if self.options.ready_file:
            try:
                write_ready_file(self.options.ready_file, self.info)
            except OSError as err:
                raise BatchInfraError(
                    f"--ready-file {self.options.ready_file}: cannot write it ({err.strerror or err}).",
                    fix="pass a path in a directory you can write to",
                ) from err
        return self.info

    def stop(self) -> None:
        """Stop the server and Azurite, close state, remove the ready file and work directory (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        if self.server is not None:
            # shutdown() waits for serve_forever to acknowledge, so it would block forever when the serving
            # thread never started (a stop during start-up) or has already ended.
            if self._serving is not None and self._serving.is_alive():
                self.server.shutdown()
            self.server.server_close()
        if self.vnet_server is not None:
            if self._vnet_serving is not None and self._vnet_serving.is_alive():
                self.vnet_server.shutdown()
            self.vnet_server.server_close()
        if self.azurite is not None:
            self.azurite.stop()
        if self.state is not None:
            self.state.close()
        if self.options.ready_file and self.options.ready_file.exists():
            self.options.ready_file.unlink()
        shutil.rmtree(self.workdir, ignore_errors=True)
        atexit.unregister(self.stop)


class StartAbandoned(Exception):
    """A stop was requested while the emulator was starting: nothing is served, stop() cleans up."""


def _give_up_if(stop: threading.Event) -> None:
    if stop.is_set():
        raise StartAbandoned("stop requested during start-up")


def _bind(app: EmulatorApp, context: Any, port: int) -> EmulatorServer:
    try:
        return EmulatorServer(app, context, port)
    except OSError as err:
        raise AzureOperationError(
            "start the emulator",
            None,
            f"--port {port}: cannot listen on 127.0.0.1:{port} ({err.strerror or err}).",
            fix="pass another --port, or --port 0 to pick a free one",
        ) from err
