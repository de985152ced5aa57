"""Key rotation test setup: an account with auto-storage, and consumers calling the data plane."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

from batch_infra.ops.key_sinks import KeySink
from batch_infra.ops.keys import AccountRef
from batch_infra.providers import azure_clients

RG = "rg-keys"
LOCATION = "westeurope"


def make_account(emulator: Any, name: str = "keysbatch", storage: str = "keysstorage") -> AccountRef:
    """Resource group, storage account and a Batch account linked to it (StorageKeys auto-storage)."""
    emulator.resource_client().resource_groups.create_or_update(RG, {"location": LOCATION})
    created = (
        emulator.storage_client()
        .storage_accounts.begin_create(
            RG, storage, {"location": LOCATION, "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}
        )
        .result()
    )
    account = (
        emulator.batch_mgmt_client()
        .batch_account.begin_create(
            RG, name, {"location": LOCATION, "properties": {"autoStorage": {"storageAccountId": created.id}}}
        )
        .result()
    )
    return AccountRef(RG, name, account.account_endpoint, storage, RG, "StorageKeys")


def batch_keys(emulator: Any, account: AccountRef) -> dict[str, str]:
    keys = emulator.batch_mgmt_client().batch_account.get_keys(RG, account.batch_account)
    return {"primary": keys.primary, "secondary": keys.secondary}


def storage_keys(emulator: Any, account: AccountRef) -> dict[str, str]:
    found = emulator.storage_client().storage_accounts.list_keys(RG, account.storage_account)
    return {k.key_name: k.value for k in found.keys}


class Consumers:
    """Background loops of data-plane calls, each signed with the key the sink held `hold` seconds earlier:
    a consumer reads its key, keeps it a while (a CI job, a cached client), then calls. Several workers
    overlap, so some consumer holds a just-read key at every moment of a rotation."""

    def __init__(
        self, emulator: Any, account: AccountRef, sink: KeySink, *, hold: float = 0.0, workers: int = 1
    ) -> None:
        self.target, self.endpoint, self.sink, self.hold = emulator.target, account.endpoint, sink, hold
        self.calls = 0
        self.failures: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(workers)]
        self._clients: dict[str, Any] = {}

    def __enter__(self) -> Consumers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def wait_for_calls(self, more: int, timeout: float = 20.0) -> None:
        """Block until the loops made `more` further calls (proves they run, and with which key)."""
        goal = self.calls + more
        deadline = time.monotonic() + timeout
        while self.calls < goal and time.monotonic() < deadline and any(t.is_alive() for t in self._threads):
            self._stop.wait(0.01)
        assert self.calls >= goal, f"the consumer loops made {self.calls} calls, expected {goal}"

    def _run(self, worker: int) -> None:
        self._stop.wait(self.hold * worker / len(self._threads))  # stagger the workers across one hold
        while not self._stop.is_set():
            published = self.sink.read()
            if published is None:
                self._stop.wait(0.01)
                continue
            self._stop.wait(self.hold)
            try:
                list(itertools.islice(self._client(published.value).list_pools(), 1))
            except Exception as err:  # noqa: BLE001 - every failure is what the test counts and reports
                self.failures.append(f"{type(err).__name__}: {str(err)[:200]}")
            with self._lock:
                self.calls += 1

    def _client(self, key: str) -> Any:
        with self._lock:
            if key not in self._clients:
                self._clients[key] = azure_clients.batch_data_client(self.target, self.endpoint, key)
            return self._clients[key]


class StorageConsumers(Consumers):
    """Background loop of auto-storage access through Batch: PUT an application package version, which Batch
    answers with a storageUrl signed with the storage key it holds (refused when that key is stale)."""

    APPLICATION, VERSION = "keysapp", "1.0"

    def __init__(self, emulator: Any, account: AccountRef) -> None:
        super().__init__(emulator, account, sink=None)  # type: ignore[arg-type]
        self.mgmt, self.account = emulator.batch_mgmt_client(), account
        self.mgmt.application.create(account.resource_group, account.batch_account, self.APPLICATION)

    def probe(self) -> str | None:
        """One auto-storage access now: None when it works, else the failure (not counted in `failures`)."""
        try:
            self.mgmt.application_package.create(
                self.account.resource_group, self.account.batch_account, self.APPLICATION, self.VERSION
            )
        except Exception as err:  # noqa: BLE001 - the failure is the probe's answer
            return f"{type(err).__name__}: {str(err)[:200]}"
        return None

    def _run(self, worker: int) -> None:
        while not self._stop.is_set():
            if (failure := self.probe()) is not None:
                self.failures.append(failure)
            with self._lock:
                self.calls += 1
            self._stop.wait(0.01)
