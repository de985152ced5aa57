"""Pools, shared by the management API and the data plane: CRUD, ETags, scaling, allocation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from batch_infra.emulator import casing, identities, specs
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.services.batch_mgmt.models import (
    allocation,
    applications,
    autoscale_bridge,
    common,
    pool_clears,
    pool_defaults,
    pool_refusals,
)
from batch_infra.emulator.services.batch_mgmt.models import pool_scaling as scaling
from batch_infra.emulator.services.batch_mgmt.models import pool_validation as validation
from batch_infra.emulator.services.batch_mgmt.models.common import POOLS

if TYPE_CHECKING:
    from batch_infra.emulator.context import EmulatorContext

MAX_PACKAGE_REFERENCES = 10
_DEFAULTS = {
    "taskSlotsPerNode": 1,
    "interNodeCommunication": "Disabled",
    "taskSchedulingPolicy": {"nodeFillType": "Spread"},
}


def pool_key(account: dict[str, Any], pool: str) -> str:
    return f"{account['id']}/pools/{pool}"


def get(ctx: EmulatorContext, account: dict[str, Any], pool: str) -> dict[str, Any]:
    """The pool document ({"resource", "alloc"?}) with any due resize settled; Azure's 404 if absent."""
    with ctx.state.transaction() as state:
        doc = state.get(POOLS, pool_key(account, pool))
        if doc is None:
            raise _not_found(account, pool)
        settled = allocation.settle(doc, ctx.now())
        changed = scaling.run_due_formula_change(ctx, account, doc)
        if scaling.run_due_autoscale(ctx, account, doc) or settled or changed:
            state.put(POOLS, pool_key(account, pool), doc)
        return doc


def list_pools(ctx: EmulatorContext, account: dict[str, Any]) -> list[dict[str, Any]]:
    prefix = common.child_prefix(account["id"]) + "pools/"
    return [get(ctx, account, doc["resource"]["name"]) for _, doc in ctx.state.items(POOLS, prefix)]


def put(
    ctx: EmulatorContext,
    account: dict[str, Any],
    pool: str,
    body: Any,
    *,
    if_match: str | None,
    if_none_match: str | None,
) -> dict[str, Any]:
    """PUT: create the pool (200, not LRO) or replace its settable properties under Azure's rules."""
    validation.check_pool_name(pool)
    body = _canonical(common.require_object(body, "the pool"))
    props = pool_clears.normalize(common.properties_of(body, "the pool"))
    now = ctx.now()
    common.require_account_ready(account)
    with ctx.state.transaction() as state:
        existing = _find(ctx, account, pool)
        if existing is None and if_match is not None:
            raise _not_found(account, pool)  # If-Match names a version of a pool that must exist
        if existing is not None:
            common.require_pool_writable(existing["resource"])
        common.check_if_match(
            existing["resource"]["etag"] if existing else None, if_match, if_none_match, f"pool '{pool}'"
        )
        sku = validation.check_properties(props, account["location"], now)
        pool_refusals.check_evaluation_interval(props)
        pool_refusals.check_subnet(ctx, props)
        _check_package_references(ctx, account, props.get("applicationPackages"))
        if existing is None:
            _check_pool_quota(ctx, account)
            doc = _new_pool(account, pool, now)
            settable = {k: v for k, v in props.items() if k in validation.SETTABLE}
        else:
            doc = existing
            current = doc["resource"]["properties"]
            settable = {k: v for k, v in props.items() if k in validation.SETTABLE}
            validation.check_immutable(current, settable, _node_count(doc), pool)
            pool_refusals.require_steady_for_empty_pool_changes(current, settable, pool)
        _apply_settable(doc, {**_DEFAULTS, **settable}, replace=True)
        pool_defaults.apply(doc["resource"]["properties"])
        _apply_envelope(ctx, doc, body)
        scaling.resize_from_scale_settings(ctx, account, doc, sku)
        return _save(ctx, state, account, doc, now)


def patch(
    ctx: EmulatorContext, account: dict[str, Any], pool: str, body: Any, *, if_match: str | None
) -> dict[str, Any]:
    """PATCH: only the given properties change; most need the pool at 0 nodes (PropertyCannotBeUpdated)."""
    body = _canonical(common.require_object(body, "the pool update"))
    props = pool_clears.normalize(common.properties_of(body, "the pool update"))
    now = ctx.now()
    with ctx.state.transaction() as state:
        doc = _writable(ctx, account, pool)
        common.check_if_match(doc["resource"]["etag"], if_match, None, f"pool '{pool}'")
        current = doc["resource"]["properties"]
        validation.check_update(props, account["location"], now, current)
        pool_refusals.check_evaluation_interval(props)
        pool_refusals.check_subnet(ctx, props)
        validation.check_immutable(current, props, _node_count(doc), pool)
        pool_refusals.require_steady_for_empty_pool_changes(current, props, pool)
        if "taskSlotsPerNode" in props and "vmSize" not in props:
            validation.check_task_slots(props["taskSlotsPerNode"], scaling.vm_sku(account, current["vmSize"]))
        _check_package_references(ctx, account, props.get("applicationPackages"))
        scale_changed = "scaleSettings" in props and props["scaleSettings"] != current.get("scaleSettings")
        _apply_settable(doc, props, replace=False)
        pool_defaults.apply(doc["resource"]["properties"])
        _apply_envelope(ctx, doc, body)
        if scale_changed and "autoScale" in current["scaleSettings"]:
            scaling.formula_changed(ctx, account, doc)
        elif scale_changed:
            doc.pop("formulaDue", None)  # fixed scale now: a pending formula evaluation never runs
            scaling.resize_from_scale_settings(ctx, account, doc, scaling.vm_sku(account, current["vmSize"]))
        return _save(ctx, state, account, doc, now)


def disable_autoscale(ctx: EmulatorContext, account: dict[str, Any], pool: str) -> dict[str, Any]:
    """Switch to fixed scale at the pool's current targets (Azure keeps the node count)."""
    with ctx.state.transaction() as state:
        doc = _writable(ctx, account, pool)
        props = doc["resource"]["properties"]
        if "autoScale" in (props.get("scaleSettings") or {}):
            status = props.get("resizeOperationStatus") or {}
            props["scaleSettings"] = {
                "fixedScale": {
                    "targetDedicatedNodes": status.get(
                        "targetDedicatedNodes", props["currentDedicatedNodes"]
                    ),
                    "targetLowPriorityNodes": status.get(
                        "targetLowPriorityNodes", props["currentLowPriorityNodes"]
                    ),
                    "resizeTimeout": "PT15M",
                }
            }
            props.pop("autoScaleRun", None)
        return _save(ctx, state, account, doc, ctx.now())


def enable_autoscale(
    ctx: EmulatorContext, account: dict[str, Any], pool: str, formula: Any, interval: str | None, target: str
) -> dict[str, Any]:
    with ctx.state.transaction() as state:
        doc = _writable(ctx, account, pool)
        props = doc["resource"]["properties"]
        if props.get("allocationState") == "Resizing" and "fixedScale" in (props.get("scaleSettings") or {}):
            raise AzureError(
                409,
                "PoolBeingResized",
                f"Pool '{pool}' is resizing; wait until it is steady (or stop "
                "the resize) before enabling autoscale.",
            )
        autoscale_bridge.check(formula, target)
        _throttle_enable(doc, ctx.now(), pool)
        auto = {"formula": formula}
        if interval:
            auto["evaluationInterval"] = interval
        props["scaleSettings"] = {"autoScale": auto}
        scaling.resize_from_scale_settings(ctx, account, doc, scaling.vm_sku(account, props["vmSize"]))
        return _save(ctx, state, account, doc, ctx.now())


def evaluate(
    ctx: EmulatorContext, account: dict[str, Any], pool: str, formula: Any, target: str
) -> autoscale_bridge.Evaluation:
    """Evaluate a formula against an autoscale pool without applying it (data plane evaluateautoscale)."""
    doc = get(ctx, account, pool)
    if "autoScale" not in (doc["resource"]["properties"].get("scaleSettings") or {}):
        raise AzureError(
            409,
            "AutoScaleNotEnabledForPool",
            f"Pool '{pool}' does not have autoscale enabled; enable autoscale before evaluating a formula.",
        )
    return autoscale_bridge.evaluate(formula, target, ctx.now(), doc["resource"]["properties"])


def stop_resize(ctx: EmulatorContext, account: dict[str, Any], pool: str) -> dict[str, Any]:
    with ctx.state.transaction() as state:
        doc = _writable(ctx, account, pool)
        delay = float(ctx.settings.get(allocation.STOP_DELAY_SETTING, allocation.STOP_DELAY_DEFAULT))
        allocation.stop(doc, ctx.now(), delay)
        state.put(POOLS, pool_key(account, pool), doc)
        return doc["resource"]


def mark_deleting(ctx: EmulatorContext, account: dict[str, Any], pool: str) -> str:
    with ctx.state.transaction() as state:
        doc = _writable(ctx, account, pool)
        props = doc["resource"]["properties"]
        props["provisioningState"] = "Deleting"
        props["provisioningStateTransitionTime"] = common.iso(ctx.now())
        state.put(POOLS, pool_key(account, pool), doc)
        return pool_key(account, pool)


def delete(ctx: EmulatorContext, key: str) -> None:
    ctx.state.delete(POOLS, key)


def _canonical(body: dict[str, Any]) -> dict[str, Any]:
    """The body with property names and enum values in the spec's spelling, as ARM reads them."""
    return casing.for_spec(specs.BATCH_MGMT).canonical(body, "Pool")  # type: ignore[no-any-return]


ENABLE_AUTOSCALE_SPACING = timedelta(seconds=30)


def _throttle_enable(doc: dict[str, Any], now: datetime, pool: str) -> None:
    """ "You cannot call this API for the same Pool more than once every 30 seconds" (Pool - Enable Auto
    Scale); the Batch SDKs name the refusal AutoScaleTooManyRequestsToEnable, on the wire
    "TooManyEnableAutoScaleRequests". A refused request (bad formula or interval) does not count."""
    last = doc.get("autoScaleEnabledAt")
    if last is not None and now - common.parse_iso(last) < ENABLE_AUTOSCALE_SPACING:
        raise AzureError(
            409,
            "TooManyEnableAutoScaleRequests",
            "Enable AutoScale requests for the same pool must be separated by at least 30 seconds. "
            f"Pool '{pool}' was enabled at {last}; wait and send the request again.",
        )
    doc["autoScaleEnabledAt"] = common.iso(now)


def _not_found(account: dict[str, Any], pool: str) -> AzureError:
    return AzureError(
        404,
        "PoolNotFound",
        f"The specified pool '{pool}' does not exist in Batch account '{account['name']}'.",
    )


def _writable(ctx: EmulatorContext, account: dict[str, Any], pool: str) -> dict[str, Any]:
    """The pool for a write: its account Succeeded and the pool not being deleted (else Azure's 409)."""
    common.require_account_ready(account)
    doc = get(ctx, account, pool)
    common.require_pool_writable(doc["resource"])
    return doc


def _find(ctx: EmulatorContext, account: dict[str, Any], pool: str) -> dict[str, Any] | None:
    try:
        return get(ctx, account, pool)
    except AzureError as err:
        if err.status == 404:
            return None
        raise


def _new_pool(account: dict[str, Any], pool: str, now: Any) -> dict[str, Any]:
    stamp = common.iso(now)
    properties = {
        "creationTime": stamp,
        "provisioningState": "Succeeded",
        "provisioningStateTransitionTime": stamp,
        "allocationState": "Steady",
        "allocationStateTransitionTime": stamp,
        "currentDedicatedNodes": 0,
        "currentLowPriorityNodes": 0,
    }
    resource = {
        "id": pool_key(account, pool),
        "name": pool,
        "type": "Microsoft.Batch/batchAccounts/pools",
        "identity": {"type": "None"},
        "properties": properties,
    }
    return {"resource": resource}


def _apply_settable(doc: dict[str, Any], props: dict[str, Any], *, replace: bool) -> None:
    target = doc["resource"]["properties"]
    if replace:
        for name in validation.SETTABLE - set(props):
            target.pop(name, None)
    for name, value in props.items():
        if name in validation.SETTABLE and value is None:  # an explicit clear (pool_clears)
            target.pop(name, None)
        elif name in validation.SETTABLE:
            target[name] = value
    if not target.get("scaleSettings"):
        target["scaleSettings"] = {
            "fixedScale": {"targetDedicatedNodes": 0, "targetLowPriorityNodes": 0, "resizeTimeout": "PT15M"}
        }


def _apply_envelope(ctx: EmulatorContext, doc: dict[str, Any], body: dict[str, Any]) -> None:
    if "tags" in body:
        doc["resource"]["tags"] = body["tags"] or {}
    if "identity" in body:
        # BatchPoolIdentity: UserAssigned or None; each identity must exist and is answered with its ids.
        doc["resource"]["identity"] = identities.resolve(
            ctx,
            pool_clears.identity(body["identity"]),
            doc["resource"]["id"],
            None,
            allowed=("None", "UserAssigned"),
        )


def _save(ctx: EmulatorContext, state: Any, account: dict[str, Any], doc: dict[str, Any], now: Any) -> dict:
    props = doc["resource"]["properties"]
    props["lastModified"] = common.iso(now)
    settable = {k: v for k, v in props.items() if k in validation.SETTABLE}
    doc["resource"]["etag"] = common.etag_for(
        {"p": settable, "m": props["lastModified"], "t": doc["resource"].get("tags")}
    )
    state.put(POOLS, pool_key(account, doc["resource"]["name"]), doc)
    return doc["resource"]


def _check_pool_quota(ctx: EmulatorContext, account: dict[str, Any]) -> None:
    quota = account["properties"].get("poolQuota")
    count = ctx.state.count(POOLS, common.child_prefix(account["id"]) + "pools/")
    if quota is not None and count >= quota:
        raise AzureError(
            409,
            "PoolQuotaReached",
            f"The Batch account '{account['name']}' has reached its pool "
            f"quota ({quota} pools); delete a pool or request a quota increase.",
        )


def _check_package_references(ctx: EmulatorContext, account: dict[str, Any], refs: Any) -> None:
    """Each reference must name an application of this account with an Active version (or default version)."""
    if not refs:
        return
    target = "properties.applicationPackages"
    if not isinstance(refs, list) or len(refs) > MAX_PACKAGE_REFERENCES:
        raise AzureError(
            400,
            "InvalidPropertyValue",
            f"applicationPackages must be a list of at most {MAX_PACKAGE_REFERENCES} references.",
            target=target,
        )
    for ref in refs:
        name = str(ref.get("id", "")).rstrip("/").rsplit("/", 1)[-1]
        app = applications.get_application(ctx, account["id"], name)
        version = ref.get("version") or app["properties"].get("defaultVersion")
        package = ctx.state.get(common.PACKAGES, applications.package_key(account["id"], name, version or ""))
        if not version or package is None or package["properties"].get("state") != "Active":
            raise AzureError(
                409,
                "InvalidApplicationPackageReferences",
                f"The pool references application "
                f"'{name}' version '{version}', which is not an Active package; upload and activate "
                "it, or set the application's defaultVersion.",
                target=target,
            )


def _node_count(doc: dict[str, Any]) -> int:
    props = doc["resource"]["properties"]
    return props.get("currentDedicatedNodes", 0) + props.get("currentLowPriorityNodes", 0)
