"""Management locks (Microsoft.Authorization 2020-05-01) and what they refuse.

Sources: "Lock your Azure resources to protect your infrastructure": CanNotDelete means authorized users
can read and modify a resource but not delete it; ReadOnly means they can read it but not modify or delete
it, POST operations such as a storage account's listKeys included; locks are inherited by everything
below their scope, and deleting a scope that contains a locked resource fails too. The refusal is 409
ScopeLocked ("The scope '...' cannot perform delete operation because following scope(s) are locked").
"""

from __future__ import annotations

import re
from typing import Any

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.http import Request

LOCKS = "management_locks"  # keyed by the lock id: <scope>/providers/Microsoft.Authorization/locks/<n>
LOCK_TYPE = "Microsoft.Authorization/locks"
LEVELS = ("CanNotDelete", "ReadOnly")
MARKER = "/providers/microsoft.authorization/locks/"
# The resource a write names: the path without a trailing POST action (listKeys, regenerateKey, ...).
_SCOPE = re.compile(r"^(/subscriptions/[^/]+(?:/resourcegroups/[^/]+(?:/providers/.+)?)?)$", re.IGNORECASE)


def lock_id(scope: str, name: str) -> str:
    return f"{scope.rstrip('/')}/providers/{LOCK_TYPE}/{name}"


def put(ctx: EmulatorContext, scope: str, name: str, body: Any) -> tuple[dict[str, Any], bool]:
    props = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(props, dict) or props.get("level") not in LEVELS:
        raise AzureError(
            400,
            "InvalidLockLevel",
            f"The lock level {None if props is None else props.get('level')!r} is not valid; use "
            f"{' or '.join(LEVELS)}.",
            target="properties.level",
        )
    if not _exists(ctx, scope):
        raise AzureError(404, "ResourceNotFound", f"The scope '{scope}' of the lock does not exist.")
    notes = props.get("notes")
    if notes is not None and (not isinstance(notes, str) or len(notes) > 512):
        raise AzureError(
            400,
            "LockNotesTooLong",
            "Lock notes are text of at most 512 characters.",
            target="properties.notes",
        )
    key = lock_id(scope, name)
    existing = ctx.state.get(LOCKS, key)
    doc = {
        "id": key,
        "name": name,
        "type": LOCK_TYPE,
        "properties": {"level": props["level"], **({"notes": notes} if notes else {})},
        "_scope": scope,
    }
    if isinstance(props.get("owners"), list):
        doc["properties"]["owners"] = props["owners"]
    ctx.state.put(LOCKS, key, doc)
    return public(doc), existing is None


def public(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def get(ctx: EmulatorContext, scope: str, name: str) -> dict[str, Any]:
    doc = ctx.state.get(LOCKS, lock_id(scope, name))
    if doc is None:
        raise AzureError(404, "LockNotFound", f"The lock '{name}' could not be found at scope '{scope}'.")
    return public(doc)


def list_at(ctx: EmulatorContext, scope: str) -> list[dict[str, Any]]:
    """Locks that apply at the scope (at or above it) and those on resources below it, as a resource
    group's lock list shows its resources' locks too (`az lock list -g`)."""
    return [
        public(d)
        for _k, d in ctx.state.items(LOCKS)
        if _within(scope, d["_scope"]) or _within(d["_scope"], scope)
    ]


def delete(ctx: EmulatorContext, scope: str, name: str) -> bool:
    return ctx.state.delete(LOCKS, lock_id(scope, name))


def _within(child: str, parent: str) -> bool:
    child, parent = child.lower().rstrip("/"), parent.lower().rstrip("/")
    return child == parent or child.startswith(parent + "/")


def _exists(ctx: EmulatorContext, scope: str) -> bool:
    """Any stored ARM document keyed by this id (every service keys resources by lower-cased ARM id)."""
    if re.fullmatch(r"/subscriptions/[^/]+", scope.rstrip("/"), re.IGNORECASE):
        return True
    return any(ctx.state.get(c, scope.rstrip("/")) is not None for c in ctx.state.collections())


def guard(ctx: EmulatorContext, request: Request) -> None:
    """Refuse a write a lock forbids: deletes under or over any lock, other writes under a ReadOnly one."""
    method = request.method.upper()
    if method not in ("PUT", "PATCH", "POST", "DELETE") or MARKER in request.path.lower():
        return
    target = request.path if method != "POST" else request.path.rsplit("/", 1)[0]
    if not _SCOPE.match(target.rstrip("/")):
        return
    locks = [d for _k, d in ctx.state.items(LOCKS)]
    if method == "DELETE":
        hits = [d for d in locks if _within(target, d["_scope"]) or _within(d["_scope"], target)]
        operation = "delete"
    else:
        hits = [d for d in locks if d["properties"]["level"] == "ReadOnly" and _within(target, d["_scope"])]
        operation = "write"
    if hits:
        scopes = ",".join(f"'{d['_scope']}'" for d in hits)
        raise AzureError(
            409,
            "ScopeLocked",
            f"The scope '{target}' cannot perform {operation} operation because following scope(s) are "
            f"locked: {scopes}. Please remove the lock and try again.",
        )
