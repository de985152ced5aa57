"""What the pool provider's methods do: check, diff, create, read, update, delete (called from pool.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from batch_infra.errors import BatchInfraError
from batch_infra.pool_changes import BY_KEY, Change, Plan, classify
from batch_infra.providers import pool_ops, pool_spec
from batch_infra.providers.pool_readback import read_back

# Outputs that are not inputs: Azure's view of the pool, for programs and people (never diffed).
OUTPUT_KEYS = ("azureId", "allocationState", "currentDedicatedNodes", "currentSpotNodes", "autoScaleFormula")
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # pulumi.runtime.rpc.UNKNOWN: a value not known in preview
# Which properties of the Pool body carry each input key (for PATCH bodies with only what changed).
AZURE_PROPERTIES: dict[str, tuple[str, ...]] = {
    "displayName": ("displayName",),
    "vmSize": ("vmSize",),
    "resolvedImage": ("deploymentConfiguration",),
    "osDisk": ("deploymentConfiguration",),
    "dataDisks": ("deploymentConfiguration",),
    "certificates": ("deploymentConfiguration",),
    "certificateIdentityClientId": ("deploymentConfiguration",),
    "userAccounts": ("userAccounts", "startTask"),
    "userPasswords": ("userAccounts",),
    "taskSlotsPerNode": ("taskSlotsPerNode",),
    "nodeFillType": ("taskSchedulingPolicy",),
    "interNodeCommunication": ("interNodeCommunication",),
    "network": ("networkConfiguration",),
    "subnetId": ("networkConfiguration",),
    "scale": ("scaleSettings",),
    "startTask": ("startTask",),
    "applicationPackages": ("applicationPackages",),
    "metadata": ("metadata",),
}


def inputs_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """Only the input keys (outputs and the serialized provider dropped)."""
    return {k: v for k, v in values.items() if k in BY_KEY}


# -- check ------------------------------------------------------------------------------------------------
def check(olds: Mapping[str, Any], news: Mapping[str, Any]) -> CheckResult:
    inputs = inputs_of(news)
    failures = _config_failures(inputs)
    if failures:
        return CheckResult(inputs, failures)
    pool = pool_spec.config_of(inputs)
    failures += _target_failures(inputs) + _formula_failures(pool)
    if pool.certificates and not inputs.get("certificateIdentityClientId"):
        failures.append(
            CheckFailure(
                "certificateIdentityClientId",
                f"pool {pool.id!r} has certificates but no "
                "client id of the identity the Key Vault extension uses; fix: pass the client id of "
                "certificates.identity (BatchEnvironment looks it up)",
            )
        )
    if failures or _unknown(inputs, pool_spec.TARGET_KEYS):
        return CheckResult(inputs, failures)  # preview before the account exists: validate the rest later
    failures += _vm_size_failures(inputs, pool)
    resolved, image_failures = _resolve_image(olds, inputs, pool)
    if resolved is not None:
        inputs["resolvedImage"] = resolved
    return CheckResult(inputs, failures + image_failures)


def _config_failures(inputs: Mapping[str, Any]) -> list[CheckFailure]:
    from pydantic import ValidationError

    try:
        pool_spec.config_of(inputs)
    except ValidationError as err:
        return [CheckFailure(".".join(str(p) for p in e["loc"]) or "pool", e["msg"]) for e in err.errors()]
    return []


def _target_failures(inputs: Mapping[str, Any]) -> list[CheckFailure]:
    return [
        CheckFailure(
            k,
            f"{k} is required; fix: create the pool through BatchEnvironment, which passes the "
            "account it belongs to",
        )
        for k in pool_spec.TARGET_KEYS
        if not inputs.get(k)
    ]


def _formula_failures(pool: Any) -> list[CheckFailure]:
    from batch_infra.autoscale import check as check_formula

    scale = pool.scale
    if not scale.is_autoscale:
        return []
    result = check_formula(
        scale.formula or "", max_dedicated=scale.max_dedicated_nodes, max_spot=scale.max_spot_nodes
    )
    return [
        CheckFailure("scale.formula", f"pool {pool.id!r}: autoscale formula {d} (code {d.code})")
        for d in result.errors
    ]


def _vm_size_failures(inputs: Mapping[str, Any], pool: Any) -> list[CheckFailure]:
    offered = pool_ops.vm_sizes(inputs)
    if pool.vm_size.lower() in offered:
        return []
    return [
        CheckFailure(
            "vmSize",
            f"VM size {pool.vm_size!r} is not offered by Batch in {inputs['location']!r}; "
            "fix: run `batch-infra preflight` for the sizes on offer, or choose another region",
        )
    ]


def _resolve_image(
    olds: Mapping[str, Any], inputs: Mapping[str, Any], pool: Any
) -> tuple[dict[str, Any] | None, list[CheckFailure]]:
    from batch_infra.images import ImageSelectionError, parse_images, resolve

    policies = inputs.get("policies") or {}
    try:
        resolution = resolve(
            pool.image,
            parse_images(pool_ops.supported_images(inputs)),
            today=datetime.now(UTC).date(),
            window_days=int(policies.get("imageEndOfLifeWindowDays", 90)),
            action=policies.get("imageEndOfLifeAction", "fail"),
            recorded=olds.get("resolvedImage"),
            creating=not olds,
        )
    except ImageSelectionError as err:
        return None, [CheckFailure("image", f"pool {pool.id!r}: {err.render()}")]
    record = dict(resolution.record)
    if resolution.warnings:
        record["warning"] = resolution.warnings[0]
    return record, []


def _unknown(inputs: Mapping[str, Any], keys: tuple[str, ...]) -> bool:
    return any(inputs.get(k) == UNKNOWN for k in keys)


# -- diff -------------------------------------------------------------------------------------------------
def diff(olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffResult:
    """No network calls: the classification of every changed input (batch_infra.pool_changes)."""
    plan = classify(inputs_of(olds), inputs_of(news))
    policy = news.get("onImmutableChange") or "fail"
    return DiffResult(
        changes=bool(plan.azure_changes), replaces=plan.replaces(policy), delete_before_replace=True
    )  # pool ids are names: the old pool must go first


# -- create -----------------------------------------------------------------------------------------------
def create(props: Mapping[str, Any]) -> CreateResult:
    inputs = inputs_of(props)
    pool = pool_ops.get_pool(inputs)
    if pool is not None:
        pool = _adopt(inputs, pool)
    else:
        pool = pool_ops.create_pool(inputs, pool_spec.build(inputs))
    try:
        pool = pool_ops.wait_steady(inputs, pool, timeout_seconds=_timeout(inputs))
    except BatchInfraError:
        # Create is transactional: a pool left with resize errors would be adopted and fail again next time.
        pool_ops.delete_pool(inputs)
        raise
    return CreateResult(pool["id"], outputs(inputs, pool))


def _adopt(inputs: dict[str, Any], pool: Mapping[str, Any]) -> dict[str, Any]:
    plan = classify(inputs_of(read_back(pool, inputs)), inputs)
    if plan.azure_changes:
        raise BatchInfraError(
            f"pool {inputs['id']!r} already exists in Batch account {inputs['accountName']!r} and "
            "differs from "
            f"the config in: {'; '.join(plan.describe())}",
            fix="make the config match the existing pool and run again (it is then adopted), delete the "
            "existing "
            "pool, or choose another pool id",
        )
    return dict(pool)


# -- read -------------------------------------------------------------------------------------------------
def read(id_: str, props: Mapping[str, Any]) -> ReadResult:
    inputs = inputs_of(props)
    pool = pool_ops.get_pool(inputs)
    if pool is None:
        return ReadResult(None, {})  # gone: the engine drops it and the next `up` creates it again
    return ReadResult(pool.get("id") or id_, outputs(inputs_of(read_back(pool, inputs)), pool))


# -- update -----------------------------------------------------------------------------------------------
def update(olds: Mapping[str, Any], news: Mapping[str, Any]) -> UpdateResult:
    inputs = inputs_of(news)
    plan = classify(inputs_of(olds), inputs)
    pool = pool_ops.get_pool(inputs)
    if pool is None:
        raise BatchInfraError(
            f"pool {inputs['id']!r} no longer exists in Batch account {inputs['accountName']!r}",
            fix="run `pulumi refresh` so the engine knows, then `pulumi up` recreates it",
        )
    if (pool.get("properties") or {}).get("allocationState") != "Steady":
        pool = pool_ops.wait_steady(inputs, pool_ops.stop_resize(inputs), timeout_seconds=_timeout(inputs))
    body = pool_spec.build(inputs)
    when_empty = plan.keys(Change.WHEN_EMPTY)
    if when_empty and pool_ops.node_count(pool) and _scales_to_zero(inputs):
        pool = _patch(inputs, body, ["scale"])  # empty the pool first, then change what needs it empty
    if when_empty and pool_ops.node_count(pool):
        raise _needs_empty_pool(inputs, plan, pool_ops.node_count(pool))
    pool = _patch(inputs, body, when_empty + plan.keys(Change.LIVE))
    return UpdateResult(outputs(inputs, pool))


def _patch(inputs: dict[str, Any], body: Mapping[str, Any], keys: list[str]) -> dict[str, Any]:
    names = sorted({name for key in keys for name in AZURE_PROPERTIES.get(key, ())})
    patch: dict[str, Any] = {
        "properties": {n: body["properties"][n] for n in names if n in body["properties"]}
    }
    if "identities" in keys:
        patch["identity"] = body["identity"]
    if not patch["properties"] and "identity" not in patch:
        return pool_ops.get_pool(inputs) or {}
    pool = pool_ops.update_pool(inputs, patch)
    return pool_ops.wait_steady(inputs, pool, timeout_seconds=_timeout(inputs))


def _needs_empty_pool(inputs: Mapping[str, Any], plan: Plan, nodes: int) -> BatchInfraError:
    changed = "; ".join(c for c in plan.describe() if "update-when-empty" in c)
    return BatchInfraError(
        f"pool {inputs['id']!r} has {nodes} node(s), and Azure accepts these changes only on a pool with no "
        f"nodes: {changed}",
        fix="scale the pool to 0 nodes (scale.targetDedicatedNodes: 0, targetSpotNodes: 0) in the same or an "
        "earlier `pulumi up`, then scale back up; or set onImmutableChange: replace to let batch-infra "
        "delete "
        "and recreate the pool (running tasks are lost)",
    )


def _scales_to_zero(inputs: Mapping[str, Any]) -> bool:
    scale = inputs.get("scale") or {}
    return (
        "formula" not in scale and not scale.get("targetDedicatedNodes") and not scale.get("targetSpotNodes")
    )


# -- delete -----------------------------------------------------------------------------------------------
def delete(props: Mapping[str, Any]) -> None:
    pool_ops.delete_pool(inputs_of(props))


# -- shared -----------------------------------------------------------------------------------------------
def outputs(inputs: Mapping[str, Any], pool: Mapping[str, Any]) -> dict[str, Any]:
    props = pool.get("properties") or {}
    auto = (props.get("scaleSettings") or {}).get("autoScale") or {}
    return {
        **inputs,
        "azureId": pool.get("id"),
        "allocationState": props.get("allocationState"),
        "currentDedicatedNodes": props.get("currentDedicatedNodes", 0),
        "currentSpotNodes": props.get("currentLowPriorityNodes", 0),
        "autoScaleFormula": auto.get("formula"),
    }


def _timeout(inputs: Mapping[str, Any]) -> float:
    return pool_spec.config_of(inputs).scale.timeout.total_seconds()
