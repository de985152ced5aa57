"""Auto-storage keys a Batch account holds: taken at link and at syncAutoStorageKeys, reaching nodes later.

Azure's guidance (seed doc: "regenerate only one key, Sync Keys, wait five minutes for the keys to propagate
to the compute nodes, then regenerate the other") implies that Batch and its nodes hold both storage keys as
of the last sync, and that a sync takes a while to reach the nodes. Which of the two Batch signs with is not
documented; we model key1, falling back to key2 when key1 no longer matches the storage account (which is why
regenerating one key at a time keeps working, and regenerating both at once does not).
"""

from __future__ import annotations

from typing import Any

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError

STORAGE_KEYS = "storage_account_keys"  # Microsoft.Storage's key collection, keyed like its accounts
PROPAGATION_SETTING = "auto_storage_key_propagation_seconds"  # how long a sync takes to reach the nodes
SIGNING_ORDER = ("key1", "key2")


def take_snapshot(ctx: EmulatorContext, doc: dict[str, Any]) -> None:
    """At link and at every sync: the storage account's keys now become the ones Batch holds."""
    auto = doc["resource"]["properties"].get("autoStorage")
    if not auto:
        doc.pop("autoStorageKeys", None)
        return
    found = ctx.state.get(STORAGE_KEYS, auto["storageAccountId"]) or {"keys": []}
    held = doc.get("autoStorageKeys") or {}
    doc["autoStorageKeys"] = {
        "current": {
            "keys": {k["keyName"]: k["value"] for k in found["keys"]},
            "syncedAt": ctx.now().timestamp(),
        },
        # What the nodes keep using until the current snapshot has propagated to them: the last snapshot
        # that did reach them. A sync that had not propagated when the next one came never reached them.
        "previous": _reached_nodes(ctx, held),
    }


def _reached_nodes(ctx: EmulatorContext, held: dict[str, Any]) -> dict[str, Any] | None:
    """The snapshot the nodes use now; the one taken at link has no predecessor, so nodes start with it."""
    current, previous = held.get("current"), held.get("previous")
    if current is None or previous is None or _propagated(ctx, current):
        return current
    return previous


def _propagated(ctx: EmulatorContext, snapshot: dict[str, Any]) -> bool:
    return ctx.now().timestamp() - snapshot["syncedAt"] >= float(ctx.settings.get(PROPAGATION_SETTING, 0.0))


def require_usable_key(ctx: EmulatorContext, doc: dict[str, Any]) -> str:
    """The storage key name Batch signs auto-storage access with now, or Azure-style 403 when none it holds
    is current (keys regenerated without a sync, or a sync not yet propagated)."""
    auto = doc["resource"]["properties"].get("autoStorage") or {}
    held = doc.get("autoStorageKeys")
    if auto.get("authenticationMode", "StorageKeys") != "StorageKeys":
        return "identity"  # Batch reaches the storage account with its managed identity, no key
    if not held:
        return "key1"  # state written before snapshots existed: assume a fresh sync
    current = ctx.state.get(STORAGE_KEYS, auto["storageAccountId"]) or {"keys": []}
    valid = {k["value"] for k in current["keys"]}
    for name in SIGNING_ORDER:
        if _held(ctx, held).get(name) in valid:
            return name
    raise AzureError(
        403,
        "AutoStorageKeysInvalid",
        f"The keys Batch account '{doc['resource']['name']}' holds for its auto-storage account no longer "
        "match the storage account's keys; call syncAutoStorageKeys, and regenerate one storage key "
        "at a time.",
    )


def _held(ctx: EmulatorContext, held: dict[str, Any]) -> dict[str, str]:
    current, previous = held["current"], held.get("previous")
    if previous is None or _propagated(ctx, current):
        return current["keys"]
    return previous["keys"]
