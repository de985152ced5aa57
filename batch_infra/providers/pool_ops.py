"""Azure calls of the pool provider: pool CRUD, the steady-state wait, and the per-deployment look-ups.

Clients are built per call from the inputs and `Target.from_environment()`; nothing is kept on the
provider object. Every call goes through the one retry policy (azure_retry.py) and its failures through
the classifier (azure_failures.py), so a message's fix matches its cause.

The supported-image list and the region's VM sizes are fetched at most once per account (or region) per
deployment: the engine runs one `python -m pulumi.dynamic` process for a whole `pulumi up`/`preview`, and
these answers are memoised in this module (not on the pickled provider), behind a lock so that parallel
checks of 20 pools make one request.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from batch_infra.errors import AzureOperationError, BatchInfraError
from batch_infra.providers import azure_clients
from batch_infra.providers.azure_failures import CONNECTION, SERVER, THROTTLED, calling, is_not_found

T = TypeVar("T")
_MEMO: dict[tuple[str, ...], Any] = {}
_MEMO_LOCK = threading.Lock()
_KEY_LOCKS: dict[tuple[str, ...], threading.Lock] = {}
MAX_POLL_DELAY = 30.0
# Beyond the pool's resize timeout, how long to wait for Batch to report Steady before giving up.
STEADY_MARGIN_SECONDS = 600.0
# How long a pool delete may take (Batch first removes every node); BATCH_INFRA_POOL_DELETE_TIMEOUT overrides.
DELETE_TIMEOUT_ENV = "BATCH_INFRA_POOL_DELETE_TIMEOUT"
DELETE_TIMEOUT_SECONDS = 3600.0
POOL_ACCESS = "Contributor (or Azure Batch Account Contributor) on the Batch account"
TRANSIENT = (THROTTLED, SERVER, CONNECTION)  # failure causes a wait keeps polling through


class ResizeFailed(AzureOperationError):
    """Azure reports that a resize this operation started failed (quota, allocation): the pool's own fault."""


def _once(key: tuple[str, ...], fetch: Callable[[], T]) -> T:
    with _MEMO_LOCK:
        lock = _KEY_LOCKS.setdefault(key, threading.Lock())
    with lock:
        if key not in _MEMO:
            _MEMO[key] = fetch()
        return _MEMO[key]


def target(inputs: Mapping[str, Any]) -> azure_clients.Target:
    return azure_clients.Target.from_environment(inputs.get("subscriptionId"))


def supported_images(inputs: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The account's `list_supported_images` answer (wire shape), once per account per deployment."""
    endpoint = str(inputs["accountEndpoint"])

    def fetch() -> list[Mapping[str, Any]]:
        client = azure_clients.batch_data_client(target(inputs), endpoint)
        with _azure(f"listing the supported images of Batch account {inputs['accountName']!r}"):
            return [dict(item) for item in client.list_supported_images()]

    return _once(("images", endpoint.lower()), fetch)


def vm_sizes(inputs: Mapping[str, Any]) -> set[str]:
    """VM sizes Batch offers in the account's region (lower-case), once per region per deployment."""
    location = str(inputs["location"])

    def fetch() -> set[str]:
        client = azure_clients.batch_mgmt_client(target(inputs))
        with _azure(f"listing the VM sizes Batch offers in {location!r}"):
            return {sku.name.lower() for sku in client.location.list_supported_virtual_machine_skus(location)}

    return _once(("vm_sizes", str(inputs["subscriptionId"]), location.lower()), fetch)


def get_pool(inputs: Mapping[str, Any]) -> dict[str, Any] | None:
    """The pool's Azure body (wire names), or None if it does not exist."""
    client = azure_clients.batch_mgmt_client(target(inputs))
    try:
        with _azure(f"reading pool {inputs['id']!r}"):
            pool = client.pool.get(inputs["resourceGroupName"], inputs["accountName"], inputs["id"])
    except AzureOperationError as err:
        if is_not_found(err):
            return None
        raise
    return pool.as_dict()


def create_pool(inputs: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    from azure.core import MatchConditions

    client = azure_clients.batch_mgmt_client(target(inputs))
    with _azure(f"creating pool {inputs['id']!r} in Batch account {inputs['accountName']!r}"):
        # If-None-Match: * so a pool created meanwhile by someone else is never overwritten.
        pool = client.pool.create(
            inputs["resourceGroupName"],
            inputs["accountName"],
            inputs["id"],
            body,
            match_condition=MatchConditions.IfMissing,
        )
    return pool.as_dict()


def update_pool(inputs: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    client = azure_clients.batch_mgmt_client(target(inputs))
    with _azure(f"updating pool {inputs['id']!r} ({', '.join(sorted(body.get('properties', {})))})"):
        pool = client.pool.update(inputs["resourceGroupName"], inputs["accountName"], inputs["id"], body)
    return pool.as_dict()


def stop_resize(inputs: Mapping[str, Any]) -> dict[str, Any]:
    client = azure_clients.batch_mgmt_client(target(inputs))
    with _azure(f"stopping the pending resize of pool {inputs['id']!r}"):
        pool = client.pool.stop_resize(inputs["resourceGroupName"], inputs["accountName"], inputs["id"])
    return pool.as_dict()


def delete_pool(inputs: Mapping[str, Any]) -> None:
    """Delete and wait (bounded) for the long-running operation; a pool already gone is fine.

    A pool already being deleted (409 PoolBeingDeleted: an earlier DELETE whose answer was lost, or
    someone else's) is progress, not failure: wait for it to be gone.
    """
    client = azure_clients.batch_mgmt_client(target(inputs))
    timeout = float(os.environ.get(DELETE_TIMEOUT_ENV) or DELETE_TIMEOUT_SECONDS)
    try:
        with _azure(f"deleting pool {inputs['id']!r}"):
            poller = client.pool.begin_delete(
                inputs["resourceGroupName"], inputs["accountName"], inputs["id"]
            )
            poller.result(timeout=timeout)
    except AzureOperationError as err:
        if is_not_found(err):
            return
        if err.code != "PoolBeingDeleted":
            raise
        _wait_gone(inputs, timeout)
        return
    if not poller.done():
        raise _still_deleting(inputs, timeout)


def _wait_gone(inputs: Mapping[str, Any], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    delay = _first_delay(inputs)
    while _read_through(inputs, deadline) is not None:
        if time.monotonic() > deadline:
            raise _still_deleting(inputs, timeout)
        time.sleep(delay)
        delay = min(delay * 2, MAX_POLL_DELAY)


def _still_deleting(inputs: Mapping[str, Any], timeout: float) -> BatchInfraError:
    return BatchInfraError(
        f"pool {inputs['id']!r} in Batch account {inputs['accountName']!r} was still being deleted after "
        f"{timeout:.0f}s",
        fix="check the pool in the Azure portal (nodes still leaving, tasks blocking the delete); "
        f"when it is gone run `pulumi up` again; to wait longer set {DELETE_TIMEOUT_ENV} (seconds)",
    )


def _read_through(inputs: Mapping[str, Any], deadline: float) -> dict[str, Any] | None:
    """get_pool inside a wait: a transient failure (throttled, 5xx, lost connection) is one more poll, never
    the wait's end, until the deadline; then it is reported as it is."""
    delay = _first_delay(inputs)
    while True:
        try:
            return get_pool(inputs)
        except AzureOperationError as err:
            if err.cause not in TRANSIENT or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, MAX_POLL_DELAY)


def wait_steady(
    inputs: Mapping[str, Any],
    pool: dict[str, Any],
    *,
    timeout_seconds: float,
    started_resize: bool = False,
    previous_resize: str | None = None,
) -> dict[str, Any]:
    """Poll with bounded exponential backoff until allocationState is Steady.

    Resize errors are raised only when this operation started a resize (`started_resize`) and only if they
    belong to a resize newer than `previous_resize`, the startTime seen before the operation: errors of an
    earlier resize (someone else's, or a past deployment's) are not this operation's failure.
    """
    deadline = time.monotonic() + timeout_seconds + STEADY_MARGIN_SECONDS
    delay = _first_delay(inputs)
    while _props(pool).get("allocationState") != "Steady":
        if time.monotonic() > deadline:
            raise BatchInfraError(
                f"pool {inputs['id']!r} did not reach a steady allocation state within "
                f"{timeout_seconds + STEADY_MARGIN_SECONDS:.0f}s",
                fix="check the pool in the Azure portal (allocation state, resize errors); then "
                "`pulumi refresh`",
            )
        time.sleep(delay)
        delay = min(delay * 2, MAX_POLL_DELAY)
        found = _read_through(inputs, deadline)
        if found is None:
            raise BatchInfraError(
                f"pool {inputs['id']!r} disappeared while waiting for it to become steady",
                fix="someone deleted it; run `pulumi up` again to recreate it",
            )
        pool = found
    if started_resize and (previous_resize is None or resize_started(pool) != previous_resize):
        # Azure's own startTime, not our clock (no skew): a different one is a newer resize.
        raise_resize_errors(inputs, pool)
    return pool


def wait_empty(inputs: Mapping[str, Any], pool: dict[str, Any], *, timeout_seconds: float) -> dict[str, Any]:
    """Poll (bounded backoff) until the pool is Steady with no nodes.

    After an autoscale pool is capped at zero, Azure evaluates the formula and starts the resize
    asynchronously: the pool may still report Steady with its old nodes for a while.
    """
    deadline = time.monotonic() + timeout_seconds
    delay = _first_delay(inputs)
    while node_count(pool) or _props(pool).get("allocationState") != "Steady":
        if time.monotonic() > deadline:
            raise BatchInfraError(
                f"pool {inputs['id']!r} still had {node_count(pool)} node(s) "
                f"({_props(pool).get('allocationState')}) {timeout_seconds:.0f}s after it was scaled to 0 "
                "for changes Azure accepts only on an empty pool",
                fix="check the pool's autoscale run and resize errors in the Azure portal (tasks blocking "
                "node removal, a formula that keeps nodes); when it is empty run `pulumi up` again",
            )
        time.sleep(delay)
        delay = min(delay * 2, MAX_POLL_DELAY)
        found = _read_through(inputs, deadline)
        if found is None:
            raise BatchInfraError(
                f"pool {inputs['id']!r} disappeared while waiting for it to have no nodes",
                fix="someone deleted it; run `pulumi up` again to recreate it",
            )
        pool = found
    return pool


def resize_started(pool: Mapping[str, Any]) -> str | None:
    """startTime of the pool's last resize operation, as Azure reports it."""
    return (_props(pool).get("resizeOperationStatus") or {}).get("startTime")


def resize_errors(pool: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list((_props(pool).get("resizeOperationStatus") or {}).get("errors") or [])


def raise_resize_errors(inputs: Mapping[str, Any], pool: Mapping[str, Any]) -> None:
    errors = resize_errors(pool)
    if errors:
        first = errors[0]
        more = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors[1:])
        message = first.get("message", "") + (f" (also: {more})" if more else "")
        raise ResizeFailed(
            f"resizing pool {inputs['id']!r}", first.get("code"), message, fix=_resize_fix(first.get("code"))
        )


def node_count(pool: Mapping[str, Any]) -> int:
    props = _props(pool)
    return int(props.get("currentDedicatedNodes") or 0) + int(props.get("currentLowPriorityNodes") or 0)


def _resize_fix(code: Any) -> str:
    if str(code).endswith("QuotaReached"):
        return (
            "request a core quota increase for the account (Azure portal > Batch account > Quotas) or lower "
            "the pool's target nodes; `batch-infra preflight` compares demand with quota"
        )
    if code == "AllocationFailed":
        return "Azure had no capacity for this VM size: retry later, or choose another VM size or region"
    return "see Azure's message; fix the pool config and run `pulumi up` again"


def _first_delay(inputs: Mapping[str, Any]) -> float:
    configured = target(inputs).polling_interval
    return 1.0 if configured is None else max(configured, 0.05)


def _props(pool: Mapping[str, Any]) -> Mapping[str, Any]:
    return pool.get("properties") or {}


def _azure(operation: str) -> Any:
    """Azure SDK errors inside become AzureOperationError with the fix their cause calls for."""
    return calling(operation, access=POOL_ACCESS)
