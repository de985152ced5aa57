"""What the pool provider's methods do: check, diff, create, read, update, delete (called from pool.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult
from pulumi.runtime.rpc import contains_unknowns

from batch_infra.errors import AzureOperationError, BatchInfraError
from batch_infra.pool_changes import BY_KEY, CLEARS, Change, Plan, classify
from batch_infra.providers import pool_features, pool_ops, pool_spec
from batch_infra.providers.pool_readback import read_back

# Outputs that are not inputs: Azure's view of the pool, for programs and people (never diffed).
OUTPUT_KEYS = ("azureId", "allocationState", "currentDedicatedNodes", "currentSpotNodes", "autoScaleFormula")
# ARM names and regions compare case-insensitively (pool_changes.classify does the same for the pool id).
CASE_INSENSITIVE = ("subscriptionId", "resourceGroupName", "accountName", "accountEndpoint", "location")
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
    **{key: ("deploymentConfiguration",) for key in pool_features.VM_KEYS},
    "mountConfiguration": ("mountConfiguration",),
    "upgradePolicy": ("upgradePolicy",),
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
    failures += _ssh_key_failures(pool, None) + _secret_failures(inputs, pool)
    if failures or contains_unknowns(inputs):
        # A preview before the account (or subnet) exists: no request can name it yet; `up` checks the rest.
        # The recorded image stays while its selector does: the preview then shows only what is unknown.
        if not failures and olds.get("resolvedImage") and olds.get("image") == inputs.get("image"):
            inputs["resolvedImage"] = olds["resolvedImage"]
        return CheckResult(inputs, failures)
    failures += _vm_size_failures(inputs, pool)
    resolved, image_failures = _resolve_image(olds, inputs, pool)
    if resolved is not None:
        inputs["resolvedImage"] = resolved
        failures += _ssh_key_failures(pool, resolved.get("nodeAgentSkuId"))
    return CheckResult(inputs, failures + image_failures)


def _secret_failures(inputs: Mapping[str, Any], pool: Any) -> list[CheckFailure]:
    if contains_unknowns(inputs.get(pool_features.SECRETS_INPUT)):
        return []
    return [CheckFailure(pool_features.SECRETS_INPUT,
                         f"pool {pool.id!r} names secret config key {key!r}, and no value reached the "
                         "provider; "
                         f"fix: `pulumi config set --secret batch-infra:{key} <value>` (BatchEnvironment "
                         "passes every secret the pool names)")
            for key in pool_features.missing_secrets(inputs)]


def _ssh_key_failures(pool: Any, node_agent_sku_id: str | None) -> list[CheckFailure]:
    return [CheckFailure(path, reason)
            for path, reason in pool_spec.ssh_key_failures(pool, node_agent_sku_id)]


def _config_failures(inputs: Mapping[str, Any]) -> list[CheckFailure]:
    from pydantic import ValidationError

    try:
        pool_spec.config_of(inputs)
    except ValidationError as err:
        pool = f"pool {inputs.get('id')!r}: "
        return [CheckFailure(_error_path(e) or "pool", pool + e["msg"]) for e in err.errors()]
    return []


def _error_path(error: Any) -> str:
    """The key path of a config error; a model-level rule names its key in ctx["at"] (config.base.invalid)."""
    at = (error.get("ctx") or {}).get("at") or []
    return ".".join(str(p) for p in (*error["loc"], *at))


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
    from batch_infra.images import ImageChoice, ImageSelectionError, parse_images, resolve
    from batch_infra.providers.pool_spec import PRIVATE_ACCOUNT_ENDPOINT

    policies = inputs.get("policies") or {}
    if pool.image.pinned is not None and policies.get(PRIVATE_ACCOUNT_ENDPOINT):
        # The account endpoint is private and this runs where Pulumi runs, outside the network: the pin is
        # used as written, without the supported-image lookup (its end of life is `batch-infra images`'
        # job, run inside the network). The config refuses a private account with unpinned pools.
        return ImageChoice.from_pin(pool.image.pinned).to_record(pool.image), []
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


# -- diff -------------------------------------------------------------------------------------------------
def diff(olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffResult:
    """No network calls: the classification of every changed input (batch_infra.pool_changes).

    A change that needs an empty pool fails the preview when the recorded outputs show nodes, the new scale
    does not empty the pool and the pool does not opt into replacement: Azure would refuse the update.
    `update` checks the live node count again before sending anything.

    In a preview, inputs computed by resources that change in the same run are unknown (Unknown objects).
    Only known changes are classified (and refused); an unknown key is a change whose value `up` will
    know: a replace when its kind replaces the pool (the account itself may be replaced, and the engine
    asks exactly this to find dependent replacements), else an update.
    """
    unknown = [key for key in BY_KEY if contains_unknowns(news.get(key))]
    old_inputs = inputs_of(olds)
    known = {k: v for k, v in inputs_of(news).items() if k not in unknown}
    known |= {k: old_inputs[k] for k in unknown if k in old_inputs}
    known |= _same_names(old_inputs, known)
    plan = classify(old_inputs, known)
    policy = news.get("onImmutableChange") or "fail"
    nodes = recorded_nodes(olds)
    if _refused_with_nodes(plan, policy, news) and nodes:
        raise needs_empty_pool(inputs_of(news), plan, nodes, recorded=True)
    replaces = plan.replaces(policy)
    replaces += [k for k in unknown if _replaces_when_changed(k, policy) and k not in replaces]
    return DiffResult(
        changes=bool(plan.azure_changes or unknown), replaces=replaces, delete_before_replace=True
    )  # pool ids are names: the old pool must go first


def _same_names(olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
    """Names Azure compares case-insensitively (the pool's account): a re-cased one is no change."""
    return {
        key: olds[key]
        for key in CASE_INSENSITIVE
        if isinstance(olds.get(key), str) and isinstance(news.get(key), str)
        and olds[key].casefold() == news[key].casefold()
    }


def _replaces_when_changed(key: str, policy: str) -> bool:
    change = BY_KEY[key].change
    return change is Change.REPLACE or (change is Change.WHEN_EMPTY and policy == "replace")


def recorded_nodes(outputs: Mapping[str, Any]) -> int:
    """Nodes the pool had at the last deployment or refresh (the provider's outputs)."""
    return int(outputs.get("currentDedicatedNodes") or 0) + int(outputs.get("currentSpotNodes") or 0)


def _refused_with_nodes(plan: Plan, policy: str, news: Mapping[str, Any]) -> bool:
    """Would Azure refuse this update on a pool that has nodes (nothing replaces it, nothing empties it)?"""
    return (
        plan.needs_empty_pool and policy != "replace" and not plan.keys(Change.REPLACE)
        and not scales_to_zero(news)
    )


# -- create -----------------------------------------------------------------------------------------------
def create(props: Mapping[str, Any]) -> CreateResult:
    inputs = inputs_of(props)
    existing = pool_ops.get_pool(inputs)
    if existing is not None:
        adopted = _adopt(inputs, existing)
        return CreateResult(adopted["id"], outputs(inputs, adopted))
    try:
        pool = pool_ops.create_pool(inputs, pool_spec.build(inputs))
    except AzureOperationError as err:
        # If-None-Match refused a retried PUT: the first try made the pool and its answer was lost. It is
        # adopted like any existing pool (only if identical), never overwritten.
        existing = pool_ops.get_pool(inputs) if err.code == "ConditionNotMet" else None
        if existing is None:
            raise
        adopted = _adopt(inputs, existing)
        return CreateResult(adopted["id"], outputs(inputs, adopted))
    try:
        pool = pool_ops.wait_steady(inputs, pool, timeout_seconds=_timeout(inputs), started_resize=True)
    except pool_ops.ResizeFailed:
        # This call created the pool and Azure says its resize failed, so it removes it: a pool left with
        # resize errors would otherwise be adopted next time. A read error or a timeout is no such verdict
        # (the pool may be fine) and never deletes; nor is a pool this call did not create (see _adopt).
        pool_ops.delete_pool(inputs)
        raise
    return CreateResult(pool["id"], outputs(inputs, pool))


def _adopt(inputs: dict[str, Any], pool: Mapping[str, Any]) -> dict[str, Any]:
    """Adopt an existing pool only if it is identical, over every writable property Azure has for it."""
    from batch_infra.providers.pool_adopt import differences

    found = pool_ops.wait_steady(inputs, dict(pool), timeout_seconds=_timeout(inputs))
    modeled = classify(inputs_of(read_back(found, inputs)), inputs).describe()
    unmodeled = differences(found, pool_spec.build(inputs, with_passwords=False))
    if modeled or unmodeled:
        raise BatchInfraError(
            f"pool {inputs['id']!r} already exists in Batch account {inputs['accountName']!r} "
            f"and differs from the config in: {'; '.join(modeled + unmodeled)}",
            fix="make the config match the existing pool and run again (it is then adopted), delete the "
            "existing pool, or choose another pool id",
        )
    errors = pool_ops.resize_errors(found)
    if errors:
        raise BatchInfraError(
            f"pool {inputs['id']!r} already exists in Batch account {inputs['accountName']!r} "
            f"and matches the config, but its last resize failed: "
            f"{errors[0].get('code')}: {errors[0].get('message')}",
            fix="batch-infra never deletes a pool it did not create: fix the cause (e.g. request more core "
            "quota), resize the pool or delete it yourself, then run `pulumi up` again",
        )
    return found


# -- read -------------------------------------------------------------------------------------------------
def read(id_: str, props: Mapping[str, Any]) -> ReadResult:
    """Refresh: Azure's view as outputs and as inputs (secret-bearing inputs left out, see below).

    `pulumi import` of this resource cannot work: the engine's import step calls Read with the id only (no
    inputs, no state), and the Python dynamic provider server needs `__provider` from them to find this
    provider (pulumi/dynamic/__main__.py: `props[PROVIDER_KEY]`), so it fails before reaching this code.
    Adopting an identical existing pool on create is the supported path (README, tests).
    """
    inputs = inputs_of(props)
    pool = pool_ops.get_pool(inputs)
    if pool is None:
        return ReadResult(None, {})  # gone: the engine drops it and the next `up` creates it again
    found = inputs_of(read_back(pool, inputs))
    # Returned inputs are not covered by additional_secret_outputs: never hand back passwords or a SAS.
    plain = {k: v for k, v in found.items()
             if k not in ("userPasswords", pool_features.SECRETS_INPUT) and not _secret_start_task(k, v)}
    return ReadResult(pool.get("id") or id_, outputs(found, pool), plain)


def _secret_start_task(key: str, value: Any) -> bool:
    return key == "startTask" and pool_spec.carries_sas(value)


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
    body = pool_spec.build(inputs)
    pool = _settle(inputs, pool, body)
    when_empty = [c for c in plan.changes if c.change is Change.WHEN_EMPTY]
    live = [c for c in plan.changes if c.change is Change.LIVE]
    if when_empty and pool_ops.node_count(pool) and scales_to_zero(inputs):
        pool = _patch(inputs, body, pool, {"scaleSettings"})  # empty the pool first, then what needs it empty
        pool = pool_ops.wait_empty(inputs, pool, timeout_seconds=_timeout(inputs))
    if when_empty and pool_ops.node_count(pool):
        raise needs_empty_pool(inputs, plan, pool_ops.node_count(pool))
    identity = "identities" in plan.keys(Change.WHEN_EMPTY)
    tags = "tags" in plan.keys(Change.WHEN_EMPTY) + plan.keys(Change.LIVE)
    pool = _patch(inputs, body, pool, _azure_names(when_empty + live, inputs), identity=identity, tags=tags)
    return UpdateResult(outputs(inputs, pool))


def _settle(inputs: dict[str, Any], pool: dict[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    """A Steady pool to update. A resize toward the config's own targets is finished, not stopped: it is an
    interrupted run's (the config is the truth), and its errors are this update's. Any other resize is
    someone else's: stopped, its errors not ours. Stopping turns Steady on its own: only waited out."""
    state = (pool.get("properties") or {}).get("allocationState")
    if state == "Steady":
        return pool
    wanted = _fixed_targets(body)
    ours = state == "Resizing" and wanted is not None and _fixed_targets(pool) == wanted
    if state == "Resizing" and not ours:
        pool = pool_ops.stop_resize(inputs)
    return pool_ops.wait_steady(inputs, pool, timeout_seconds=_timeout(inputs), started_resize=ours)


def _fixed_targets(pool: Mapping[str, Any]) -> tuple[int, int] | None:
    fixed = ((pool.get("properties") or {}).get("scaleSettings") or {}).get("fixedScale")
    if not fixed:
        return None
    return int(fixed.get("targetDedicatedNodes") or 0), int(fixed.get("targetLowPriorityNodes") or 0)


def _azure_names(changes: list[Any], inputs: Mapping[str, Any]) -> set[str]:
    """The Pool body properties that carry these changes (an SSH-key-only change: the start task alone;
    a rotated secret: the properties that carry it)."""
    names: set[str] = set()
    for change in changes:
        if change.key == "userAccounts" and change.change is Change.LIVE:
            names.add("startTask")
        elif change.key == pool_features.SECRETS_INPUT:
            names.update(pool_features.secret_properties(inputs, set(change.new)))
        else:
            names.update(AZURE_PROPERTIES.get(change.key, ()))
    return names


def _patch(
    inputs: dict[str, Any], body: Mapping[str, Any], pool: Mapping[str, Any], names: set[str],
    *, identity: bool = False, tags: bool = False,
) -> dict[str, Any]:
    """PATCH the named properties; one the new body leaves out is sent as Azure's explicit clear."""
    props = body["properties"]
    patch: dict[str, Any] = {"properties": {}}
    for name in sorted(names):
        if name in props:
            patch["properties"][name] = props[name]
        elif name in CLEARS:
            patch["properties"][name] = CLEARS[name]
        else:
            raise BatchInfraError(
                f"pool {inputs['id']!r}: removing properties.{name} cannot be sent to Azure "
                "(no clear value), and batch_infra.pool_changes did not classify the removal "
                "as a replacement",
                fix="report this as a batch-infra bug; meanwhile set onImmutableChange: replace",
            )
    if identity:
        patch["identity"] = body["identity"]
    if tags:
        patch["tags"] = body.get("tags") or {}  # ARM tags: the PATCH replaces them, {} removes them all
    if not patch["properties"] and "identity" not in patch and "tags" not in patch:
        return dict(pool)
    previous = pool_ops.resize_started(pool)
    updated = pool_ops.update_pool(inputs, patch)
    return pool_ops.wait_steady(
        inputs, updated, timeout_seconds=_timeout(inputs),
        started_resize="scaleSettings" in patch["properties"], previous_resize=previous,
    )


def needs_empty_pool(
    inputs: Mapping[str, Any], plan: Plan, nodes: int, *, recorded: bool = False
) -> BatchInfraError:
    """Guidance for an update-when-empty change on a pool with nodes (provider and preflight share it)."""
    changed = "; ".join(c for c in plan.describe() if "update-when-empty" in c)
    if "formula" in (inputs.get("scale") or {}):
        empty = "set scale.maxDedicatedNodes: 0 and maxSpotNodes: 0 (the cap holds the autoscale pool at 0)"
    else:
        empty = "scale the pool to 0 nodes (scale.targetDedicatedNodes: 0, targetSpotNodes: 0)"
    seen = " at the last deployment (run `pulumi refresh` if it is empty now)" if recorded else ""
    return BatchInfraError(
        f"pool {inputs['id']!r} has {nodes} node(s){seen}, and Azure accepts these changes only on a pool "
        f"with no nodes: {changed}",
        fix=f"{empty} in the same or an earlier `pulumi up`, then scale back up; or set "
        "onImmutableChange: replace to let batch-infra delete and recreate the pool (running tasks are lost)",
    )


def scales_to_zero(inputs: Mapping[str, Any]) -> bool:
    """Whether these inputs ask for an empty pool, so update-when-empty changes can follow the scale-down."""
    scale = inputs.get("scale") or {}
    if "formula" in scale:
        return scale.get("maxDedicatedNodes") == 0 and scale.get("maxSpotNodes") == 0
    return not scale.get("targetDedicatedNodes") and not scale.get("targetSpotNodes")


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
