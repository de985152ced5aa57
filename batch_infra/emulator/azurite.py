"""Runs Azurite's blob service for the emulator: one Azurite account behind every emulated storage account.

Mapping (why): Azurite learns its accounts (AZURITE_ACCOUNTS) only when it starts, while storage accounts are
created at any time through the emulated Microsoft.Storage API. So Azurite runs with ONE account
(`batchinfra`, a key generated per start) and every emulated storage account owns a slice of it: container
`<container>` of storage account `<account>` is the Azurite container `<account>-<container>` (both parts
follow Azure's naming rules, so the joined name is a valid container name when it fits in 63 characters).
The emulator signs SAS URLs with the Azurite account key (`BlobService.sas_url`), and clients upload
with azure-storage-blob straight to Azurite, the same path they take to Azure. With `--state`, Azurite's
data lives next to the state file, so blobs survive a restart like the rest of the state.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

from batch_infra.emulator.context import BlobService
from batch_infra.emulator.lifetime import die_with_parent
from batch_infra.errors import AzureOperationError

ACCOUNT = "batchinfra"
_READY = re.compile(r"successfully listens on (http://[\d.]+:\d+)")
_START_TIMEOUT = 30.0
REPO_ROOT = Path(__file__).resolve().parents[2]


def new_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def binary() -> Path:
    """Azurite's blob launcher installed by ./scripts/setup.sh (env BATCH_INFRA_AZURITE overrides)."""
    path = Path(os.environ.get("BATCH_INFRA_AZURITE", REPO_ROOT / "node_modules" / ".bin" / "azurite-blob"))
    if not path.exists():
        raise AzureOperationError(
            "start Azurite",
            None,
            f"Azurite is not installed: {path} does not exist.",
            fix="install Node.js with npm (Debian/Ubuntu: apt-get install nodejs npm), then run "
            "./scripts/setup.sh (it installs Azurite from package.json with npm); without Node.js, "
            "`preflight --offline` and the `--azure` commands still work",
        )
    return path


class Azurite:
    """An Azurite blob service on a free port; `start()` returns once it accepts requests."""

    def __init__(self, location: Path, key: str | None = None) -> None:
        self.location = location
        self.key = key or new_key()  # pass the persisted key so SAS URLs signed before a restart stay valid
        self._process: subprocess.Popen[str] | None = None
        self.blob: BlobService | None = None

    def start(self) -> BlobService:
        self.location.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "AZURITE_ACCOUNTS": f"{ACCOUNT}:{self.key}"}
        # --skipApiVersionCheck: azure-storage-blob may send an x-ms-version newer than this Azurite knows.
        command = [
            str(binary()),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            "0",
            "--location",
            str(self.location),
            "--skipApiVersionCheck",
            "--disableTelemetry",
            "--silent",
        ]
        self._process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=self.location,
            # A killed emulator must not leave Azurite holding a port and its data directory.
            preexec_fn=die_with_parent(),  # noqa: PLW1509 - prctl only; no locks are taken in the child
        )
        endpoint = self._wait_ready()
        self.blob = BlobService(endpoint=f"{endpoint}/{ACCOUNT}", account_name=ACCOUNT, account_key=self.key)
        return self.blob

    def _wait_ready(self) -> str:
        assert self._process is not None and self._process.stdout is not None
        found: list[str] = []
        seen: list[str] = []
        ready = threading.Event()

        def pump() -> None:
            # Keeps reading after start-up so Azurite never blocks on a full pipe; its output goes to stderr.
            for line in self._process.stdout:  # type: ignore[union-attr]
                match = _READY.search(line)
                if match and not found:
                    found.append(match.group(1))
                    ready.set()
                elif not ready.is_set():
                    seen.append(line)
                else:
                    sys.stderr.write(f"azurite: {line}")
            ready.set()

        threading.Thread(target=pump, name="azurite-output", daemon=True).start()
        deadline = time.monotonic() + _START_TIMEOUT
        ready.wait(_START_TIMEOUT)
        if not found:
            self.stop()
            reason = (
                "exited" if time.monotonic() < deadline else f"did not start within {_START_TIMEOUT:.0f}s"
            )
            raise AzureOperationError(
                "start Azurite",
                None,
                f"Azurite {reason}; its output: {''.join(seen)[-2000:]}",
                fix="run ./scripts/setup.sh, then check that node runs",
            )
        return found[0]

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
