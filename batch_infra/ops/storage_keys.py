"""Zero-downtime rotation of auto-storage keys: one key at a time, each sync given time to reach the nodes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from batch_infra.ops.key_sinks import KeySink
from batch_infra.providers import azure_clients
from batch_infra.providers.azure_clients import Target

STORAGE_STEPS = ("standby-regenerated", "synced", "propagated", "active-regenerated", "completed")
# storage_phase -> how many of the five storage actions are done. "requested": a run that rotated the Batch
# keys still owes the storage part. Other phases (idle, completed) start a new storage rotation.
STORAGE_PENDING = {
    "requested": 0,
    "standby-regenerated": 1,
    "synced": 2,
    "propagated": 3,
    "active-regenerated": 4,
}
# Batch's docs say to regenerate one key, sync, wait five minutes for the keys to reach the compute nodes,
# then regenerate and sync the other: nodes hold both synced keys, so one current key keeps them working.
# Which of the two Batch signs with is undocumented; we assume key1 (the emulator models it that way). After
# a completed rotation both held keys are current, so key2 is the one to regenerate first.
STORAGE_STANDBY, STORAGE_ACTIVE = "key2", "key1"
DEFAULT_PROPAGATION = 300.0  # seconds: the docs' "wait five minutes to allow the keys to propagate"


def rotate_storage(
    target: Target,
    account: Any,
    sink: KeySink,
    report: Any,
    step: Callable[[str, str], None],
    *,
    propagation: float,
    azure: Callable[..., Any],
    sleep: Callable[[float, str], None] = lambda seconds, _why: time.sleep(seconds),
) -> None:
    """Regenerate key2, sync, wait `propagation`, regenerate key1, sync; progress recorded in the sink."""
    if account.storage_account is None or account.storage_mode != "StorageKeys":
        mode = account.storage_mode or "no auto-storage"
        report.notes.append(f"auto-storage keys not rotated: {mode} (Batch holds no storage key)")
        return
    state = sink.read_state()
    done = STORAGE_PENDING.get(state.storage_phase, 0)
    if done:
        report.notes.append(f"resuming the auto-storage rotation after {state.storage_phase}")
    actions = _actions(target, account, azure, propagation, fresh=not done, sleep=sleep)
    for phase, text, action in actions[done:]:
        if report.dry_run:
            report.storage.append(text)
            continue
        synced_at = action(sink.read_state())
        state = sink.read_state()
        state.storage_phase = phase
        if synced_at is not None:
            state.storage_synced_at = synced_at
        sink.write_state(state)
        report.storage.append(f"{text}: done")
        step("storage", phase)


def _actions(
    target: Target,
    account: Any,
    azure: Callable[..., Any],
    propagation: float,
    *,
    fresh: bool,
    sleep: Callable[[float, str], None],
) -> list[tuple[str, str, Callable[[Any], float | None]]]:
    """(phase recorded after it, text, action(state) -> the sync time when it synced)."""
    storage = azure_clients.storage_client(target)
    mgmt = azure_clients.batch_mgmt_client(target)
    name, group = account.storage_account, account.storage_resource_group or account.resource_group

    def regenerate(key: str, state: Any) -> None:
        from azure.mgmt.storage.models import StorageAccountRegenerateKeyParameters

        if fresh and key == STORAGE_STANDBY:
            # The previous rotation's last sync may not have reached the nodes yet: they could still hold
            # the old key1 next to the key2 regenerated now.
            wait_for_nodes(state)
        azure(
            f"regenerate {key} of storage account {name}",
            lambda: storage.storage_accounts.regenerate_key(
                group, name, StorageAccountRegenerateKeyParameters(key_name=key)
            ),
        )

    def sync(state: Any) -> float:
        azure(
            f"synchronize auto-storage keys of Batch account {account.batch_account}",
            lambda: mgmt.batch_account.synchronize_auto_storage_keys(
                account.resource_group, account.batch_account
            ),
        )
        return time.time()

    def wait_for_nodes(state: Any) -> None:
        wait = max(0.0, state.storage_synced_at + propagation - time.time())
        sleep(wait, "for the synced auto-storage keys to reach the compute nodes")

    return [
        (
            "standby-regenerated",
            f"regenerate {STORAGE_STANDBY} of {name} (Batch signs with {STORAGE_ACTIVE})",
            lambda state: regenerate(STORAGE_STANDBY, state),
        ),
        ("synced", "synchronize auto-storage keys (Batch takes the new key2)", sync),
        (
            "propagated",
            f"wait {propagation:g}s for the synced keys to reach the compute nodes",
            wait_for_nodes,
        ),
        (
            "active-regenerated",
            f"regenerate {STORAGE_ACTIVE} of {name} (nodes fall back to the new key2)",
            lambda state: regenerate(STORAGE_ACTIVE, state),
        ),
        ("completed", "synchronize auto-storage keys again (Batch takes the new key1)", sync),
    ]
