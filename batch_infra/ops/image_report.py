"""Image end-of-life report: per pool the resolved image, end of Batch support, days left, replacement."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from batch_infra.config import StackConfig
from batch_infra.config.pool_parts import ImageSelector
from batch_infra.config.pools import PoolConfig
from batch_infra.errors import AzureOperationError
from batch_infra.images import (
    ImageChoice,
    ImageSelectionError,
    SupportedImage,
    in_window,
    matches,
    newer_intent,
    parse_images,
    rank,
    resolve,
)
from batch_infra.providers import azure_clients, azure_failures
from batch_infra.providers.azure_clients import Target

STATUSES = ("ok", "in-window", "ended", "no-image")  # best to worst


@dataclass(frozen=True)
class PoolImage:
    pool_id: str
    status: str  # one of STATUSES
    image: str | None = None  # publisher/offer/sku
    node_agent_sku_id: str | None = None
    source: str | None = None  # pinned | deployed | selected
    end_of_life: date | None = None
    days_left: int | None = None
    replacement: str | None = None
    problem: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "pool": self.pool_id,
            "status": self.status,
            "image": self.image,
            "nodeAgentSkuId": self.node_agent_sku_id,
            "source": self.source,
            "batchSupportEndOfLife": self.end_of_life.isoformat() if self.end_of_life else None,
            "daysLeft": self.days_left,
            "replacement": self.replacement,
            "problem": self.problem,
        }


@dataclass
class ImageReport:
    stack: str
    today: date
    window_days: int
    action: str  # the stack's policies.imageEndOfLifeAction, shown for context
    pools: list[PoolImage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """False when any pool is inside the end-of-life window (or past it, or has no image)."""
        return all(p.status == "ok" for p in self.pools)

    def as_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "today": self.today.isoformat(),
            "windowDays": self.window_days,
            "action": self.action,
            "ok": self.ok,
            "pools": [p.as_json() for p in self.pools],
            "notes": self.notes,
        }


def build_report(
    config: StackConfig, catalog: list[SupportedImage], deployed: dict[str, ImageChoice], today: date
) -> ImageReport:
    """Pure: the report for every pool of the stack, given the catalog and the images pools run today."""
    window = config.policies.image_end_of_life_window_days
    report = ImageReport(config.environment, today, window, config.policies.image_end_of_life_action)
    for pool in config.pools:
        report.pools.append(pool_image(pool, catalog, deployed.get(pool.id.lower()), today, window))
    return report


def pool_image(
    pool: PoolConfig, catalog: list[SupportedImage], deployed: ImageChoice | None, today: date, window: int
) -> PoolImage:
    """How `batch-infra` resolves the pool's image (the pin, else the image the pool runs if the selector
    still fits it, else today's selection), and where that image stands against the window."""
    recorded = deployed.to_record(pool.image) if deployed and _fits(pool.image, deployed) else None
    try:
        resolution = resolve(
            pool.image, catalog, today=today, window_days=window, action="warn", recorded=recorded
        )
    except ImageSelectionError as err:
        return _unresolvable(pool, catalog, today, window, err)
    choice = resolution.choice
    source = "deployed" if resolution.source == "recorded" else resolution.source
    entry = next((i for i in catalog if i.key == choice.key), None)
    status = _status(choice.end_of_life, today, window) if entry else "ended"
    replacement = resolution.replacement.describe() if resolution.replacement else None
    if replacement is None and status != "ok":
        replacement = _newer_intent(_os_type(pool, entry), catalog, today, window)
    return PoolImage(
        pool.id,
        status,
        _name(choice),
        choice.node_agent_sku_id,
        source,
        choice.end_of_life,
        _days(choice.end_of_life, today),
        replacement,
        resolution.warnings[0] if resolution.warnings else None,
    )


def _unresolvable(
    pool: PoolConfig, catalog: list[SupportedImage], today: date, window: int, err: ImageSelectionError
) -> PoolImage:
    """Selection refused: every matching image is in the window (report the best of them), or none matches."""
    matching = sorted((i for i in catalog if matches(pool.image, i)), key=rank)
    if not matching:
        return PoolImage(pool.id, "no-image", problem=err.render())
    best = matching[0]
    return PoolImage(
        pool.id,
        _status(best.end_of_life, today, window),
        "/".join(best.key),
        best.node_agent_sku_id,
        "selected",
        best.end_of_life,
        _days(best.end_of_life, today),
        _newer_intent(best.os_type, catalog, today, window),
        err.render(),
    )


def _newer_intent(os_type: str | None, catalog: list[SupportedImage], today: date, window: int) -> str | None:
    """The pool's selector has nothing outside the window: the newest OS intent of its OS type that has."""
    found = newer_intent(os_type, catalog, today=today, window_days=window) if os_type else None
    return f"os: {found[0]} ({found[1].describe()})" if found else None


def _os_type(pool: PoolConfig, entry: SupportedImage | None) -> str | None:
    """Windows or Linux: from the listed image, else from the node agent SKU (unlisted images have ended)."""
    if entry is not None:
        return entry.os_type
    agent = (pool.image.pinned.node_agent_sku_id if pool.image.pinned else "") or ""
    return "windows" if agent.startswith("batch.node.windows") else "linux" if agent else None


def read_report(
    target: Target, config: StackConfig, today: date, *, owns_emulator: bool = False
) -> ImageReport:
    """Read the account's supported images and its pools' images, then build the report. Only an emulator
    this run started itself (`owns_emulator`) gets a scratch account when the stack's account is missing."""
    names = config.names()
    mgmt = azure_clients.batch_mgmt_client(target)
    notes: list[str] = []
    account = _account(target, mgmt, config, notes, owns_emulator=owns_emulator)
    client = azure_clients.batch_data_client(target, account.account_endpoint)
    catalog = parse_images(
        _call(f"list supported images of {names.batch_account}", lambda: list(client.list_supported_images()))
    )
    pools = _call(
        f"list pools of {names.batch_account}",
        lambda: list(mgmt.pool.list_by_batch_account(names.resource_group, names.batch_account)),
    )
    report = build_report(config, catalog, {p.name.lower(): c for p in pools if (c := _deployed(p))}, today)
    report.notes = notes
    return report


def _account(target: Target, mgmt: Any, config: StackConfig, notes: list[str], *, owns_emulator: bool) -> Any:
    """The stack's Batch account; our own embedded emulator lacking it gets a scratch one (its catalog)."""
    from azure.core.exceptions import ResourceNotFoundError

    names = config.names()
    try:
        return _call(
            f"read Batch account {names.batch_account}",
            lambda: mgmt.batch_account.get(names.resource_group, names.batch_account),
        )
    except AzureOperationError as err:
        if not isinstance(err.__cause__, ResourceNotFoundError):
            raise
        if not (target.is_emulator and owns_emulator):
            where = (
                "that emulator (someone else's: batch-infra creates nothing in it)"
                if target.is_emulator
                else "Azure"
            )
            raise AzureOperationError(
                err.operation,
                err.code,
                err.azure_message,
                fix=f"deploy the stack to {where} first (pulumi up): its account lists the supported images",
            ) from err
    azure_clients.resource_client(target).resource_groups.create_or_update(
        names.resource_group, {"location": config.location}
    )
    notes.append(
        f"the emulator had no account {names.batch_account}; created it to read the emulator's catalog"
    )
    return _call(
        f"create scratch Batch account {names.batch_account} in the emulator",
        lambda: mgmt.batch_account.begin_create(
            names.resource_group, names.batch_account, {"location": config.location}
        ).result(),
    )


def _deployed(pool: Any) -> ImageChoice | None:
    config = getattr(getattr(pool, "deployment_configuration", None), "virtual_machine_configuration", None)
    ref = getattr(config, "image_reference", None)
    if ref is None or not (ref.publisher and ref.offer and ref.sku):
        return None
    return ImageChoice(ref.publisher, ref.offer, ref.sku, ref.version or "latest", config.node_agent_sku_id)


def _fits(selector: ImageSelector, choice: ImageChoice) -> bool:
    """Whether the image a pool runs is one its selector could have chosen (then it is kept, as on `up`)."""
    patterns = selector.patterns()[:3]
    return all(
        fnmatch.fnmatchcase(value, pattern.lower())
        for value, pattern in zip(choice.key, patterns, strict=True)
    )


def _status(end_of_life: date | None, today: date, window: int) -> str:
    if end_of_life is not None and end_of_life <= today:
        return "ended"
    return "in-window" if in_window(end_of_life, today, window) else "ok"


def _days(end_of_life: date | None, today: date) -> int | None:
    return (end_of_life - today).days if end_of_life else None


def _name(choice: ImageChoice) -> str:
    return f"{choice.publisher}/{choice.offer}/{choice.sku}"


def _call(operation: str, call: Any) -> Any:
    """Run one Azure read; a failure becomes an AzureOperationError whose fix matches its cause."""
    return azure_failures.call(operation, call, access="Reader on the Batch account")
