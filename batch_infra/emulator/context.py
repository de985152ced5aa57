"""What every emulated service receives: state, clock, endpoints and settings of one emulator process."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from batch_infra.emulator.http import Request
from batch_infra.emulator.lro import Operations
from batch_infra.emulator.state import State

CLOCK = ("emulator", "clock")  # state collection/key of the clock offset

# Settings every emulator starts with; services add their own with `ctx.settings.setdefault` in register().
DEFAULT_SETTINGS: dict[str, Any] = {
    "lro_delay_seconds": 0.0,  # emulator seconds from an LRO's start to its completion (0: next request)
    "lro_retry_after": 0,  # Retry-After (seconds) on LRO responses; 0 lets SDK polling intervals rule
}


@dataclass
class BlobService:
    """The Azurite blob service the emulator fronts for storage accounts (see emulator/azurite.py)."""

    endpoint: str  # e.g. http://127.0.0.1:10000/devstoreaccount1
    account_name: str
    account_key: str

    # Storage-account-scoped helpers; each maps (account, container) onto Azurite (see emulator/blobs.py).
    def ensure_container(self, storage_account: str, container: str) -> None:
        from batch_infra.emulator import blobs  # azure-storage-blob loads only when blobs are used

        blobs.ensure_container(self, storage_account, container)

    def sas_url(
        self,
        storage_account: str,
        container: str,
        blob: str | None = None,
        *,
        permission: str = "racwdl",
        expiry: datetime,
    ) -> str:
        from batch_infra.emulator import blobs

        return blobs.sas_url(self, storage_account, container, blob, permission=permission, expiry=expiry)

    def blob_exists(self, storage_account: str, container: str, blob: str) -> bool:
        from batch_infra.emulator import blobs

        return blobs.blob_exists(self, storage_account, container, blob)

    def delete_account_containers(self, storage_account: str) -> int:
        """Remove every container of `storage_account` (its `<account>-` slice of Azurite)."""
        from batch_infra.emulator import blobs

        return blobs.delete_containers(self, f"{storage_account.lower()}-")

    def delete_all_containers(self) -> int:
        from batch_infra.emulator import blobs

        return blobs.delete_containers(self)


@dataclass
class EmulatorContext:
    state: State
    arm_endpoint: str  # https://127.0.0.1:PORT
    token: str  # the bearer token the emulator accepts
    subscription_id: str
    tenant_id: str
    location: str = "westeurope"
    blob: BlobService | None = None
    # Tunables tests may change through the admin API, e.g. allocation_delay_seconds, lro_delay_seconds.
    settings: dict[str, Any] = field(default_factory=dict)
    clock_offset: float = 0.0  # seconds added to wall-clock time (tests advance time without sleeping)
    # Hooks the Batch service installs in its register(): the SharedKey / bearer check for routes with
    # auth="batch" (raise AzureError to refuse), and the admin API's `PUT /accounts/{account}/quotas`.
    data_plane_auth: Callable[[Request, str], None] | None = None
    # The network check of Batch data-plane requests (publicNetworkAccess, networkProfile, private
    # endpoints), run before auth as Azure's front end does; installed by the private_link service.
    data_plane_network: Callable[[Request, str, str], None] | None = None
    # Refuses an ARM write a management lock forbids (409 ScopeLocked); installed by the locks service.
    arm_write_guard: Callable[[Request], None] | None = None
    # The privateEndpointConnections a Batch account's GET embeds (PrivateBatchAccountGet); installed by the
    # private_link service, which owns the endpoints.
    batch_account_connections: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None
    # https://127.0.0.1:PORT of the listener standing for "inside the environment's VNet" ("" if none).
    vnet_endpoint: str = ""
    quota_setter: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None
    lro: Operations = field(init=False)

    def __post_init__(self) -> None:
        self.lro = Operations(self)
        for key, value in DEFAULT_SETTINGS.items():
            self.settings.setdefault(key, value)

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self.clock_offset, tz=UTC)

    def set_clock_offset(self, seconds: float) -> None:
        """Move the emulator's clock; kept in state, so a restart with `--state` does not turn time back."""
        self.clock_offset = float(seconds)
        self.state.put(*CLOCK, {"offset_seconds": self.clock_offset})

    def load_clock(self) -> None:
        self.clock_offset = float((self.state.get(*CLOCK) or {}).get("offset_seconds", 0.0))

    def data_plane_endpoint(self, account_name: str, location: str | None = None) -> str:
        """The Batch account endpoint (`accountEndpoint`, no scheme, as Azure returns it).

        Batch account names are unique per region only, so the region is part of the path, as it is part of
        Azure's host name (`<account>.<region>.batch.azure.com`); it defaults to the emulator's location.
        """
        host = self.arm_endpoint.removeprefix("https://")
        region = (location or self.location).lower().replace(" ", "")
        return f"{host}/batch/{region}/{account_name.lower()}"
