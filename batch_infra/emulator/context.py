"""What every emulated service receives: state, clock, endpoints and settings of one emulator process."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from batch_infra.emulator.state import State


@dataclass
class BlobService:
    """The Azurite blob service the emulator fronts for storage accounts (see emulator/azurite.py)."""

    endpoint: str  # e.g. http://127.0.0.1:10000/devstoreaccount1
    account_name: str
    account_key: str


@dataclass
class EmulatorContext:
    state: State
    arm_endpoint: str  # https://127.0.0.1:PORT
    token: str  # the bearer token the emulator accepts
    subscription_id: str
    tenant_id: str
    location: str = "westeurope"
    blob: BlobService | None = None
    # Tunables tests may change through the admin API, e.g. allocation_delay_seconds, lro_polls.
    settings: dict[str, Any] = field(default_factory=dict)
    clock_offset: float = 0.0  # seconds added to wall-clock time (tests advance time without sleeping)

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self.clock_offset, tz=UTC)

    def data_plane_endpoint(self, account_name: str) -> str:
        """The Batch account endpoint (`accountEndpoint`, no scheme, as Azure returns it)."""
        host = self.arm_endpoint.removeprefix("https://")
        return f"{host}/batch/{account_name.lower()}"
