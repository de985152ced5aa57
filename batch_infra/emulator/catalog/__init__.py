"""The emulated Batch service's catalogs: supported images and VM sizes by region."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class VmSku:
    """One VM size as Batch offers it in a location: the family its cores count against, and its vCPUs."""

    name: str
    family: str
    vcpus: int
    end_of_life: str | None


@cache
def _load(name: str) -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


def supported_images() -> list[dict[str, Any]]:
    """Every image Batch lists in GET /supportedimages (data-plane wire shape, retired entries included)."""
    return copy.deepcopy(_load("images.json")["images"])


def locations() -> list[str]:
    return sorted(_load("vm_skus.json")["locations"])


def vm_skus(location: str) -> list[dict[str, Any]]:
    """The SupportedSku list for `location` (management wire shape); empty for a location Batch is not in."""
    offers = _load("vm_skus.json")["locations"].get(location.lower().replace(" ", ""))
    if offers is None:
        return []
    excluded = set(offers["notOffered"])
    return [copy.deepcopy(s) for s in _load("vm_skus.json")["skus"] if s["name"] not in excluded]


def find_vm_sku(location: str, vm_size: str) -> VmSku | None:
    """The size named `vm_size` (case-insensitive, as Azure compares it) if Batch offers it in `location`."""
    return _sku_index(location.lower().replace(" ", "")).get(vm_size.lower())


@cache
def _sku_index(location: str) -> dict[str, VmSku]:
    """Every size offered in `location` by lower-cased name, built once: usage checks look sizes up for
    every pool of an account on every pool PUT."""
    index = {}
    for sku in vm_skus(location):
        caps = {c["name"]: c["value"] for c in sku["capabilities"]}
        found = VmSku(sku["name"], sku["familyName"], int(caps["vCPUs"]), sku.get("batchSupportEndOfLife"))
        index[sku["name"].lower()] = found
    return index


def vm_sku_capabilities(location: str, vm_size: str) -> dict[str, str]:
    """The capabilities (name -> value) of a size Batch offers in `location`; empty if it is not offered."""
    return dict(_capability_index(location.lower().replace(" ", "")).get(vm_size.lower(), {}))


@cache
def _capability_index(location: str) -> dict[str, dict[str, str]]:
    """Capabilities by lower-cased size name, built once (a pool PUT looks its size up; copying the whole
    catalog for that cost ~13 ms a request)."""
    return {s["name"].lower(): {c["name"]: c["value"] for c in s["capabilities"]} for s in vm_skus(location)}


def vm_families() -> list[str]:
    """Every VM family in the catalog, in first-seen order."""
    return list(dict.fromkeys(s["familyName"] for s in _load("vm_skus.json")["skus"]))


def find_image(image_reference: dict[str, Any]) -> list[dict[str, Any]]:
    """Catalog entries for a marketplace image reference (publisher/offer/sku compared case-insensitively)."""
    key = _image_key(image_reference)
    found = [img for img in _load("images.json")["images"] if _image_key(img["imageReference"]) == key]
    return copy.deepcopy(found)


def node_agent_sku_ids() -> set[str]:
    return {img["nodeAgentSKUId"].lower() for img in supported_images()}


def end_of_life_passed(entry: dict[str, Any], now: datetime) -> bool:
    """True once Batch stops accepting new pools for this entry (batchSupportEndOfLife passed)."""
    eol = entry.get("batchSupportEndOfLife")
    return eol is not None and datetime.fromisoformat(eol.replace("Z", "+00:00")) <= now


def _image_key(ref: dict[str, Any]) -> tuple[str, str, str]:
    return tuple((ref.get(part) or "").lower() for part in ("publisher", "offer", "sku"))  # type: ignore[return-value]
