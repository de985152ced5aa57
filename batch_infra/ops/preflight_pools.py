"""Preflight of the pools: each pool classified exactly as the pool provider's diff and update would.

The desired inputs come from `pool_spec.pool_inputs` (what `components/pools.py` passes), the image from
`images.resolve` with the provider's own arguments, the live pool through `pool_readback.read_back` (what
`pulumi refresh` stores), and the two are compared by `pool_changes.classify`. The outcome then follows
`pool_lifecycle.update`: a pool with nodes refuses update-when-empty changes unless the new scale empties
it first or `onImmutableChange: replace` makes the engine replace it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from batch_infra.config.pools import PoolConfig
from batch_infra.images import ImageChoice, ImageSelectionError, SupportedImage, matches, resolve
from batch_infra.ops.value_diff import ValueChange, changes
from batch_infra.pool_changes import Change, Plan, classify
from batch_infra.providers import pool_ops, pool_spec
from batch_infra.providers.azure_clients import Target
from batch_infra.providers.pool_lifecycle import inputs_of, needs_empty_pool, scales_to_zero
from batch_infra.providers.pool_readback import read_back

# Passwords live in the engine's encrypted config; Azure never returns them, so both sides carry this.
SECRET = "[secret: compared by the engine, not by preflight]"


@dataclass(frozen=True)
class ImageCheck:
    """The image a pool gets and the end-of-life policy's verdict on it."""

    verdict: str  # ok / warn / fail / unresolved
    image: str | None = None  # publisher/offer/sku
    node_agent_sku_id: str | None = None
    end_of_life: str | None = None  # ISO date of the end of Batch support, None if not announced
    days_left: int | None = None
    replacement: str | None = None
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The keys `batch-infra images --json` uses for the same facts."""
        return {
            "verdict": self.verdict,
            "image": self.image,
            "nodeAgentSkuId": self.node_agent_sku_id,
            "batchSupportEndOfLife": self.end_of_life,
            "daysLeft": self.days_left,
            "replacement": self.replacement,
            "message": self.message,
        }


@dataclass(frozen=True)
class PoolCheck:
    pool_id: str
    action: str  # create / no change / update live / update when empty / replace / fails
    detail: str
    autoscale: list[str] = field(default_factory=list)  # formula diagnostics, "error: ..." / "warning: ..."
    autoscale_ok: bool = True
    image: ImageCheck = field(default_factory=lambda: ImageCheck("unresolved"))
    changes: tuple[ValueChange, ...] = ()  # old -> new per changed leaf (`preflight --diff`)

    @property
    def ok(self) -> bool:
        return self.autoscale_ok and self.action != "fails" and self.image.verdict != "fail"

    def to_dict(self) -> dict[str, Any]:
        return {
            "pool": self.pool_id,
            "action": self.action,
            "detail": self.detail,
            "autoscale": self.autoscale,
            "autoscaleOk": self.autoscale_ok,
            "image": self.image.to_dict(),
            "changes": [c.to_dict() for c in self.changes],
            "ok": self.ok,
        }


def desired_inputs(target: Target, config: Any, pool: Any, account_endpoint: str | None) -> dict[str, Any]:
    """The Pool resource's inputs as BatchEnvironment declares them, with this target's ids."""
    names = config.names()
    group = f"/subscriptions/{target.subscription_id}/resourceGroups/{names.resource_group}"
    subnet = (
        f"{group}/providers/Microsoft.Network/virtualNetworks/{names.virtual_network}/subnets/{names.subnet}"
    )
    return pool_spec.pool_inputs(
        pool,
        subscription_id=target.subscription_id,
        resource_group_name=names.resource_group,
        account_name=names.batch_account,
        account_endpoint=account_endpoint or "",
        location=config.location,
        subnet_id=subnet,
        policies=config.policies.pool_policies(),
        user_passwords={u.name: SECRET for u in pool.user_accounts if u.password_secret},
    )


def check_pool(
    desired: Mapping[str, Any],
    live: Mapping[str, Any] | None,
    catalog: list[SupportedImage] | None,
    today: date,
) -> PoolCheck:
    """Pure: the pool's action, image verdict and autoscale checks from its desired inputs and live body."""
    pool = pool_spec.config_of(desired)
    autoscale, autoscale_ok = _autoscale(pool)
    image, record = image_check(desired, live, catalog, today, pool=pool)
    if live is None:
        where = f" on {image.image}" if image.image else ""
        return PoolCheck(pool.id, "create", f"{pool.vm_size}{where}", autoscale, autoscale_ok, image)
    wanted = {**desired, "resolvedImage": record or _live_image(live)}
    held = inputs_of(read_back(live, wanted))
    # The id as Azure holds it (read_back keeps the config's spelling): the provider's diff compares the
    # recorded id with the config's, so a re-cased id is a change there, and must be one here.
    held["id"] = live.get("name") or held.get("id")
    plan = classify(held, inputs_of(wanted))
    action, detail = outcome(plan, wanted, live)
    diff = tuple(c for p in plan.azure_changes for c in changes(p.old, p.new, p.key))
    return PoolCheck(pool.id, action, detail, autoscale, autoscale_ok, image, diff)


def outcome(plan: Plan, inputs: Mapping[str, Any], live: Mapping[str, Any]) -> tuple[str, str]:
    """What `pulumi up` does with the pool: the provider's diff, then its update against the live pool."""
    policy = inputs.get("onImmutableChange") or "fail"
    changes = "; ".join(plan.describe())
    if plan.replaces(policy):
        return "replace", f"{changes} (deleted, then created: pool ids are names; running tasks are lost)"
    if not plan.azure_changes:
        return "no change", "compared every pool property (pool_changes.RULES) with the pool read back"
    prefix = ""
    if (live.get("properties") or {}).get("allocationState") != "Steady":
        prefix = "stops the pending resize first; "
    if not plan.keys(Change.WHEN_EMPTY):
        return "update live", prefix + changes
    nodes = pool_ops.node_count(live)
    if nodes and not scales_to_zero(inputs):
        return "fails", needs_empty_pool(inputs, plan, nodes).render()
    if nodes:
        prefix += f"scales the pool's {nodes} node(s) to 0 first; "
    return "update when empty", prefix + changes


def image_check(
    desired: Mapping[str, Any],
    live: Mapping[str, Any] | None,
    catalog: list[SupportedImage] | None,
    today: date,
    *,
    pool: PoolConfig,
) -> tuple[ImageCheck, dict[str, Any] | None]:
    """The provider check's image resolution (same arguments), with the verdict of the end-of-life policy.
    `pool`: the config model of `desired` (pool_spec.config_of), validated once by the caller."""
    if catalog is None:
        return ImageCheck("unresolved", message="resolved when the account exists"), None
    policies = desired.get("policies") or {}
    window = int(policies.get("imageEndOfLifeWindowDays", 90))
    action = policies.get("imageEndOfLifeAction", "fail")
    recorded = _recorded(pool.image, live, catalog)
    try:
        resolution = resolve(
            pool.image,
            catalog,
            today=today,
            window_days=window,
            action=action,
            recorded=recorded,
            creating=live is None,
        )
    except ImageSelectionError as err:
        return _failed(pool.image, catalog, today, window, recorded, err), None
    choice = resolution.choice
    verdict = "warn" if resolution.warnings else "ok"
    message = (
        resolution.warnings[0]
        if resolution.warnings
        else f"{resolution.source}; outside the {window}-day end-of-life window"
    )
    return _image(verdict, choice, today, resolution.replacement, message), dict(resolution.record)


def _failed(
    selector: Any,
    catalog: list[SupportedImage],
    today: date,
    window: int,
    recorded: Mapping[str, Any] | None,
    err: ImageSelectionError,
) -> ImageCheck:
    """check would fail: show the image it refuses (the warn-mode resolution names it and its replacement)."""
    try:
        seen = resolve(selector, catalog, today=today, window_days=window, action="warn", recorded=recorded)
    except ImageSelectionError:
        return ImageCheck("fail", message=err.render())
    return _image("fail", seen.choice, today, seen.replacement, err.render())


def _image(
    verdict: str, choice: ImageChoice, today: date, replacement: ImageChoice | None, message: str
) -> ImageCheck:
    eol = choice.end_of_life
    return ImageCheck(
        verdict,
        choice.image_id or f"{choice.publisher}/{choice.offer}/{choice.sku}",
        choice.node_agent_sku_id,
        eol.isoformat() if eol else None,
        (eol - today).days if eol else None,
        replacement.describe() if replacement else None,
        message,
    )


def _recorded(
    selector: Any, live: Mapping[str, Any] | None, catalog: list[SupportedImage]
) -> dict[str, Any] | None:
    """The pool's running image as the provider's sticky record, when the selector could have chosen it.

    Preflight has no Pulumi state; a running image the selector still matches is what state records.
    """
    if live is None or selector.virtual_machine_image_id is not None:
        return None  # a custom image is resolved from its id and OS every time (images.resolve_custom)
    image = _live_image(live)
    if image.get("id") or not image.get("publisher"):
        return None  # the pool runs a custom image: the marketplace selector has no record of it
    choice = ImageChoice(
        image["publisher"],
        image["offer"],
        image["sku"],
        image["version"] or "latest",
        image["nodeAgentSkuId"],
    )
    listed = next((i for i in catalog if i.key == choice.key), None)
    if listed is not None and not matches(selector, listed):
        return None
    if listed is None and not _fits_names(selector, choice):
        return None
    return choice.to_record(selector)


def _fits_names(selector: Any, choice: ImageChoice) -> bool:
    import fnmatch

    patterns = selector.patterns()[:3]
    return all(fnmatch.fnmatchcase(v, p.lower()) for v, p in zip(choice.key, patterns, strict=True))


def _live_image(live: Mapping[str, Any]) -> dict[str, Any]:
    props = live.get("properties") or {}
    vm = (props.get("deploymentConfiguration") or {}).get("virtualMachineConfiguration") or {}
    ref = vm.get("imageReference") or {}
    if ref.get("id"):
        return {"id": ref["id"], "nodeAgentSkuId": vm.get("nodeAgentSkuId")}
    return {
        **{k: ref.get(k) for k in ("publisher", "offer", "sku", "version")},
        "nodeAgentSkuId": vm.get("nodeAgentSkuId"),
    }


def _autoscale(pool: Any) -> tuple[list[str], bool]:
    if not pool.scale.is_autoscale:
        return [], True
    from batch_infra.autoscale import check

    # No declared maximums here: batch-infra appends the cap to the formula it deploys, so "not capped"
    # would be advice to do what the provider already does.
    result = check(pool.scale.formula)
    lines = [f"error: scale.formula {d}" for d in result.errors] + [
        f"warning: scale.formula {d}" for d in result.warnings
    ]
    return lines, result.valid
