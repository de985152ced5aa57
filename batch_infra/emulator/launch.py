"""Assembles one emulator process: state, identity, TLS, Azurite, app, HTTPS server, ready file."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from batch_infra.emulator import tls
from batch_infra.emulator.app import ADMIN_PREFIX, EmulatorApp
from batch_infra.emulator.azurite import Azurite
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.server import EmulatorServer
from batch_infra.emulator.state import State

IDENTITY = ("emulator", "identity")  # state collection/key: the subscription and tenant survive restarts


@dataclass(frozen=True)
class Options:
    port: int = 0
    state: Path | None = None
    ready_file: Path | None = None
    seed: int | None = None
    azurite: bool = True  # False only for tests of the framework itself


def _identity(state: State) -> dict[str, str]:
    identity = state.get(*IDENTITY)
    if identity is None:
        identity = {"subscription_id": str(uuid.uuid4()), "tenant_id": str(uuid.uuid4())}
        state.put(*IDENTITY, identity)
    return identity


def write_ready_file(path: Path, info: dict[str, Any]) -> None:
    """Write atomically: a reader polling for the file never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(info, indent=2) + "\n")
    os.replace(temporary, path)


class Emulator:
    def __init__(self, options: Options) -> None:
        self.options = options
        self.workdir = Path(tempfile.mkdtemp(prefix="batch-infra-emulator-"))
        self.state: State | None = None
        self.azurite: Azurite | None = None
        self.server: EmulatorServer | None = None
        self.app: EmulatorApp | None = None
        self.info: dict[str, Any] = {}

    def start(self) -> dict[str, Any]:
        """Start everything; returns the ready info (also written to the ready file if one was given)."""
        files = tls.generate(self.workdir / "tls")
        self.state = State(self.options.state)
        identity = _identity(self.state)
        blob = None
        if self.options.azurite:
            location = (
                Path(f"{self.options.state}.azurite") if self.options.state else self.workdir / "azurite"
            )
            self.azurite = Azurite(location)
            blob = self.azurite.start()
        ctx = EmulatorContext(
            state=self.state,
            arm_endpoint="",
            token=f"emulator-{uuid.uuid4().hex}",
            subscription_id=identity["subscription_id"],
            tenant_id=identity["tenant_id"],
            blob=blob,
        )
        self.app = EmulatorApp(ctx, seed=self.options.seed)
        self.server = EmulatorServer(self.app, files.server_context(), self.options.port)
        ctx.arm_endpoint = f"https://127.0.0.1:{self.server.port}"
        original_reset = self.app.reset

        def reset_keeping_identity() -> None:
            original_reset()
            self.state.put(*IDENTITY, identity)  # type: ignore[union-attr]

        self.app.reset = reset_keeping_identity  # type: ignore[method-assign]
        self.server.start()
        self.info = {
            "arm_endpoint": ctx.arm_endpoint,
            "ca_bundle": str(files.ca_bundle),
            "token": ctx.token,
            "subscription_id": ctx.subscription_id,
            "tenant_id": ctx.tenant_id,
            "blob_endpoint": blob.endpoint if blob else None,
            "admin_endpoint": ctx.arm_endpoint + ADMIN_PREFIX,
            "location": ctx.location,
            "services": self.app.services,
            "pid": os.getpid(),
        }
        if self.options.ready_file:
            write_ready_file(self.options.ready_file, self.info)
        return self.info

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self.azurite is not None:
            self.azurite.stop()
        if self.state is not None:
            self.state.close()
        if self.options.ready_file and self.options.ready_file.exists():
            self.options.ready_file.unlink()
        shutil.rmtree(self.workdir, ignore_errors=True)
