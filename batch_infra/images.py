"""Supported-image selection: pick an image and node agent SKU from Batch's `list_supported_images` answer.

Pure functions over the answer of `GET {account}/supportedimages` (azure-batch `list_supported_images`).
The provider's check, `batch-infra preflight` and `batch-infra images` all call these, so they agree.

Tie-break, when several supported images match a selector (documented, deterministic):
  1. verified images before unverified ones;
  2. images with no announced end of Batch support before any with a date, later dates before earlier;
  3. the shortest SKU name (the plain SKU is the default; suffixes such as -gen1, -arm64 or
     -smalldisk mark variants);
  4. publisher, offer, SKU and node agent SKU id in lexicographic order, as a last resort.
The order of the list Azure returns never matters.

Resolution is sticky: once chosen, an image is recorded (in the pool's checked inputs, hence state)
with the selector that chose it, and later runs keep it until the selector changes, or the image
enters the end-of-life window (`policies.imageEndOfLifeWindowDays`); then the policy fails or warns,
naming the replacement the selector would choose today.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from batch_infra.config.pool_parts import OS_INTENTS, ImageSelector, PinnedImage
from batch_infra.errors import BatchInfraError


class ImageSelectionError(BatchInfraError):
    """No acceptable image: nothing matches, everything is too close to end of life, or a pin is retired."""


@dataclass(frozen=True)
class SupportedImage:
    """One entry of the supported-image list, normalised (names lower-case for matching)."""

    publisher: str
    offer: str
    sku: str
    node_agent_sku_id: str
    os_type: str
    verified: bool
    capabilities: frozenset[str] = frozenset()
    end_of_life: date | None = None

    @classmethod
    def from_wire(cls, item: Mapping[str, Any]) -> SupportedImage:
        """From the REST wire shape; azure-batch models are Mappings with the same wire names."""
        ref = item["imageReference"]
        return cls(
            publisher=str(ref["publisher"]).lower(),
            offer=str(ref["offer"]).lower(),
            sku=str(ref["sku"]).lower(),
            node_agent_sku_id=str(item["nodeAgentSKUId"]),
            os_type=str(item["osType"]).lower(),
            verified=str(item.get("verificationType", "")).lower() == "verified",
            capabilities=frozenset(c.lower() for c in item.get("capabilities") or ()),
            end_of_life=_date(item.get("batchSupportEndOfLife")),
        )

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.publisher, self.offer, self.sku)


@dataclass(frozen=True)
class ImageChoice:
    """The result: an image reference plus the node agent SKU id Azure pairs with it."""

    publisher: str
    offer: str
    sku: str
    version: str
    node_agent_sku_id: str
    end_of_life: date | None = None
    # A custom image (Azure Compute Gallery or managed image): its resource id replaces publisher/offer/sku.
    image_id: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.publisher.lower(), self.offer.lower(), self.sku.lower())

    def image_reference(self) -> dict[str, str]:
        if self.image_id:
            return {"id": self.image_id}
        return {"publisher": self.publisher, "offer": self.offer, "sku": self.sku, "version": self.version}

    def describe(self) -> str:
        eol = f", Batch support ends {self.end_of_life.isoformat()}" if self.end_of_life else ""
        name = self.image_id or f"{self.publisher}/{self.offer}/{self.sku}"
        return f"{name} ({self.node_agent_sku_id}{eol})"

    def to_record(self, selector: ImageSelector) -> dict[str, Any]:
        """What the provider stores so the next run can keep this choice (see `resolve`)."""
        return {
            **self.image_reference(),
            "nodeAgentSkuId": self.node_agent_sku_id,
            "endOfLife": self.end_of_life.isoformat() if self.end_of_life else None,
            "selector": selector_key(selector),
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> ImageChoice:
        return cls(
            publisher=record["publisher"], offer=record["offer"], sku=record["sku"],
            version=record.get("version") or "latest", node_agent_sku_id=record["nodeAgentSkuId"],
            end_of_life=_date(record.get("endOfLife")),
        )

    @classmethod
    def from_pin(cls, pin: PinnedImage) -> ImageChoice:
        return cls(pin.publisher, pin.offer, pin.sku, pin.version, pin.node_agent_sku_id)


@dataclass(frozen=True)
class Resolution:
    choice: ImageChoice
    source: Literal["pinned", "recorded", "selected"]
    warnings: tuple[str, ...] = ()
    # What the selector would choose today, when the current image is in the end-of-life window.
    replacement: ImageChoice | None = None
    record: dict[str, Any] = field(default_factory=dict)


def selector_key(selector: ImageSelector) -> str:
    """A stable text of what the selector asks for (the pin excluded): a change here re-selects."""
    data = selector.model_dump(by_alias=True, mode="json", exclude={"pinned"})
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def parse_images(items: Iterable[Mapping[str, Any]]) -> list[SupportedImage]:
    return [SupportedImage.from_wire(item) for item in items]


def matches(selector: ImageSelector, image: SupportedImage) -> bool:
    """Whether the image fits the selector's names, OS type, verification and capabilities."""
    publisher, offer, sku, os_type = selector.patterns()
    names = zip((publisher, offer, sku), image.key, strict=True)
    if not all(fnmatch.fnmatchcase(value, pattern.lower()) for pattern, value in names):
        return False
    if os_type is not None and image.os_type != os_type:
        return False
    if selector.verified_only and not image.verified:
        return False
    return {c.lower() for c in selector.capabilities} <= image.capabilities


def in_window(end_of_life: date | None, today: date, window_days: int) -> bool:
    """True when Batch support ends within `window_days` of today (or has ended)."""
    return end_of_life is not None and end_of_life <= today + timedelta(days=window_days)


def rank(image: SupportedImage) -> tuple[Any, ...]:
    """Sort key implementing the module's documented tie-break (smallest is best)."""
    eol = image.end_of_life
    return (
        not image.verified,
        eol is not None,
        -(eol.toordinal() if eol else 0),
        len(image.sku),
        image.publisher, image.offer, image.sku, image.node_agent_sku_id,
    )


def select(
    selector: ImageSelector, images: Iterable[SupportedImage], *, today: date, window_days: int,
    exclude: tuple[str, str, str] | None = None,
) -> ImageChoice:
    """The best image for the selector outside the end-of-life window; raises with the reason if none."""
    images = list(images)
    matching = [i for i in images if matches(selector, i) and i.key != exclude]
    usable = sorted((i for i in matching if not in_window(i.end_of_life, today, window_days)), key=rank)
    if usable:
        return _choice(usable[0], selector.version)
    wanted = "/".join(p for p in selector.patterns()[:3])
    if matching:
        dates = ", ".join(sorted({f"{'/'.join(i.key)} ends {i.end_of_life}" for i in matching}))
        newer = newer_intent(matching[0].os_type, images, today=today, window_days=window_days)
        raise ImageSelectionError(
            f"every supported image matching {wanted!r} ends Batch support within {window_days} days "
            f"({dates})",
            fix=(f"choose a newer image (e.g. image.os: {newer[0]})" if newer else "choose another image")
            + " or, knowingly, lower policies.imageEndOfLifeWindowDays",
        )
    capable = sorted({"/".join(i.key) for i in images if _has_capabilities(selector, i)})
    hint = f"; images with {', '.join(selector.capabilities)}: {', '.join(capable[:4])}" if capable else ""
    raise ImageSelectionError(
        f"no supported image matches {wanted!r}" + _filters_text(selector),
        fix="run `batch-infra images` to list the account's supported images and adjust the image selector"
        + (hint if selector.capabilities else ""),
    )


def _has_capabilities(selector: ImageSelector, image: SupportedImage) -> bool:
    wanted = {c.lower() for c in selector.capabilities}
    return bool(wanted) and wanted <= image.capabilities and (image.verified or not selector.verified_only)


def newer_intent(
    os_type: str, images: Iterable[SupportedImage], *, today: date, window_days: int
) -> tuple[str, ImageChoice] | None:
    """The newest OS intent of `os_type` (OS_INTENTS lists each family newest first) that has a supported
    image outside the window, with that image: what to move a pool to when its own selector has nothing."""
    catalog = list(images)
    for intent, (*_, intent_type) in OS_INTENTS.items():
        if intent_type != os_type:
            continue
        selector = ImageSelector(os=intent)
        usable = [
            i for i in catalog if matches(selector, i) and not in_window(i.end_of_life, today, window_days)
        ]
        if usable:
            return intent, _choice(min(usable, key=rank), "latest")
    return None


def resolve(
    selector: ImageSelector, images: Iterable[SupportedImage], *, today: date, window_days: int,
    action: Literal["fail", "warn"], recorded: Mapping[str, Any] | None = None, creating: bool = False,
) -> Resolution:
    """Sticky resolution: the pin, else the recorded choice if the selector is unchanged, else `select`.

    A kept image whose Batch support ends inside the window fails (`action="fail"`) or warns, naming
    the replacement. Creating a pool on an image whose support has already ended always fails: Azure
    refuses the create request.
    """
    catalog = list(images)
    if selector.virtual_machine_image_id:
        return resolve_custom(selector, catalog, today=today, window_days=window_days, action=action,
                              creating=creating)
    current, source = _current(selector, recorded)
    if current is None:
        try:
            choice = select(selector, catalog, today=today, window_days=window_days)
        except ImageSelectionError as refused:
            if action != "warn":
                raise
            return _selected_in_window(selector, catalog, refused, today=today)
        return Resolution(choice, "selected", record=choice.to_record(selector))
    listed = next((i for i in catalog if i.key == current.key), None)
    if listed is not None and listed.node_agent_sku_id != current.node_agent_sku_id:
        raise ImageSelectionError(
            f"image {current.describe()} is paired with node agent SKU {listed.node_agent_sku_id!r}, "
            f"not {current.node_agent_sku_id!r}",
            fix=f"set image.pinned.nodeAgentSkuId: {listed.node_agent_sku_id}",
        )
    eol = listed.end_of_life if listed else None
    current = ImageChoice(current.publisher, current.offer, current.sku, current.version,
                          current.node_agent_sku_id, eol)
    record = current.to_record(selector)
    if listed is not None and not in_window(eol, today, window_days):
        return Resolution(current, source, record=record)
    return _ending(selector, catalog, current, source, record, today=today, window_days=window_days,
                   action=action, creating=creating, listed=listed is not None)


def _selected_in_window(
    selector: ImageSelector, catalog: list[SupportedImage], refused: ImageSelectionError, *, today: date
) -> Resolution:
    """`imageEndOfLifeAction: warn` for a new selection: the best matching image whose support has not
    ended yet, with the refusal as a warning. An ended image still fails (Azure refuses the create)."""
    alive = [
        i for i in catalog
        if matches(selector, i) and (i.end_of_life is None or i.end_of_life > today)
    ]
    if not alive:
        raise refused
    choice = _choice(min(alive, key=rank), selector.version)
    warning = f"{refused.message}; selected {choice.describe()} anyway (imageEndOfLifeAction: warn)"
    if refused.fix:
        warning += f"; fix: {refused.fix}"
    return Resolution(choice, "selected", (warning,), None, choice.to_record(selector))


def resolve_custom(
    selector: ImageSelector, catalog: list[SupportedImage], *, today: date, window_days: int,
    action: Literal["fail", "warn"], creating: bool,
) -> Resolution:
    """A custom image: its node agent SKU comes from the supported-image list (by the OS it is built on,
    or named), and the end-of-life policy applies to that node agent SKU. Batch checks the image itself."""
    agent = selector.node_agent_sku_id
    if agent is None:
        agent = select(ImageSelector(os=selector.os, verifiedOnly=selector.verified_only), catalog,
                       today=today, window_days=window_days).node_agent_sku_id
    entries = [i for i in catalog if i.node_agent_sku_id.lower() == agent.lower()]
    if not entries:
        known = ", ".join(sorted({i.node_agent_sku_id for i in catalog}))
        raise ImageSelectionError(f"node agent SKU {agent!r} is not in the account's supported-image list",
                                  fix=f"set image.nodeAgentSkuId to one of: {known}; or use image.os")
    dates = [i.end_of_life for i in entries]
    eol = None if None in dates else max(d for d in dates if d is not None)
    choice = ImageChoice("", "", "", "", entries[0].node_agent_sku_id, eol, selector.virtual_machine_image_id)
    record = choice.to_record(selector)
    if not in_window(eol, today, window_days):
        return Resolution(choice, "selected", record=record)
    ended = eol is not None and eol <= today
    state = "ended" if ended else f"ends within the {window_days}-day end-of-life window"
    problem = f"custom image {choice.describe()}: Batch support for its node agent SKU {state}"
    fix = "rebuild the image on a supported OS (e.g. ubuntu 24.04) and set image.os to it"
    if action == "fail" or (creating and ended):
        raise ImageSelectionError(problem, fix=fix)
    return Resolution(choice, "selected", (f"{problem}; {fix}",), None, record)


def _ending(
    selector: ImageSelector, catalog: list[SupportedImage], current: ImageChoice, source: str,
    record: dict[str, Any], *, today: date, window_days: int, action: str, creating: bool, listed: bool,
) -> Resolution:
    replacement = _replacement(selector, catalog, current, today=today, window_days=window_days)
    if listed:
        assert current.end_of_life is not None
        ended = current.end_of_life <= today
        state = "ended" if ended else f"ends within the {window_days}-day end-of-life window"
        problem = f"image {current.describe()}: Batch support {state}"
    else:
        ended = True
        problem = f"image {current.describe()} is no longer in the account's supported-image list"
    fix = (f"move to {replacement.describe()}" if replacement else
           "no supported image matching the selector is outside the window; choose another image")
    fix += " (drop image.pinned, or pin the replacement; a pool with nodes must be scaled to 0 or replaced)"
    if action == "fail" or (creating and ended):
        raise ImageSelectionError(problem, fix=fix)
    return Resolution(current, source, (f"{problem}; {fix}",), replacement, record)  # type: ignore[arg-type]


def _replacement(
    selector: ImageSelector, catalog: list[SupportedImage], current: ImageChoice, *, today: date,
    window_days: int,
) -> ImageChoice | None:
    try:
        return select(selector, catalog, today=today, window_days=window_days, exclude=current.key)
    except ImageSelectionError:
        return None


def _current(
    selector: ImageSelector, recorded: Mapping[str, Any] | None,
) -> tuple[ImageChoice | None, Literal["pinned", "recorded", "selected"]]:
    if selector.pinned is not None:
        return ImageChoice.from_pin(selector.pinned), "pinned"
    if recorded and recorded.get("selector") == selector_key(selector):
        return ImageChoice.from_record(recorded), "recorded"
    return None, "selected"


def _choice(image: SupportedImage, version: str) -> ImageChoice:
    return ImageChoice(image.publisher, image.offer, image.sku, version, image.node_agent_sku_id,
                       image.end_of_life)


def _filters_text(selector: ImageSelector) -> str:
    parts = []
    if selector.patterns()[3]:
        parts.append(f"OS type {selector.patterns()[3]}")
    if selector.verified_only:
        parts.append("verified only")
    if selector.capabilities:
        parts.append(f"capabilities {', '.join(selector.capabilities)}")
    return f" ({'; '.join(parts)})" if parts else ""


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
