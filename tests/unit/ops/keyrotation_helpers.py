"""Key rotation test setup: an account with auto-storage, and consumers calling the data plane."""

from __future__ import annotations

import itertools
import threading
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
    """A background loop of data-plane calls, each signed with the key the sink holds at that moment."""

    def __init__(self, emulator: Any, account: AccountRef, sink: KeySink) -> None:
        self.target, self.endpoint, self.sink = emulator.target, account.endpoint, sink
        self.calls = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._clients: dict[str, Any] = {}

    def __enter__(self) -> Consumers:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def wait_for_calls(self, more: int, timeout: float = 20.0) -> None:
        """Block until the loop made `more` further calls (proves it is running, and with which key)."""
        goal = self.calls + more
        deadline = threading.Event()
        timer = threading.Timer(timeout, deadline.set)
        timer.start()
        try:
            while self.calls < goal and not deadline.is_set() and self._thread.is_alive():
                self._stop.wait(0.01)
        finally:
            timer.cancel()
        assert self.calls >= goal, f"the consumer loop made {self.calls} calls, expected {goal}"

    def _run(self) -> None:
        while not self._stop.is_set():
            published = self.sink.read()
            if published is None:
                self._stop.wait(0.01)
                continue
            client = self._clients.get(published.value)
            if client is None:
                client = azure_clients.batch_data_client(self.target, self.endpoint, published.value)
                self._clients[published.value] = client
            try:
                list(itertools.islice(client.list_pools(), 1))
            except Exception as err:  # noqa: BLE001 - every failure is what the test counts and reports
                self.failures.append(f"{type(err).__name__}: {str(err)[:200]}")
            self.calls += 1
