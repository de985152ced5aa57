"""Pure rules of the ApplicationPackage provider: its inputs, their validation, Batch's limits, the diff."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any

from pulumi.runtime.rpc import contains_unknowns

from batch_infra.config.applications import application_id_problem, application_version_problem

# Batch's documented defaults (learn.microsoft.com/azure/batch/batch-quota-limit). The management API
# (2025-06-01) reports no per-account application limits, so these are what check can enforce.
MAX_APPLICATIONS = 20
MAX_PACKAGES = 40

MIB = 1024 * 1024
MAX_BLOCKS = 50_000  # committed blocks per block blob
MAX_BLOCK_BYTES = 4000 * MIB  # largest block (service version 2019-12-12 and later)
MAX_BLOCK_BLOB_BYTES = MAX_BLOCKS * MAX_BLOCK_BYTES  # about 190.7 TiB
MIN_BLOCK_BYTES = 8 * MIB  # big enough for throughput, small enough to retry cheaply

# Azure compares all of these case-insensitively, so a case-only edit must be no change (else the engine
# would create the "new" package, which adopts the live one, then delete the "old" one: the same package).
IDENTITY = ("subscription_id", "resource_group_name", "account_name", "application_name", "version")
# Inputs that say how to plan, not what is published: never a change by themselves.
_PLANNING_ONLY = ("path", "sibling_versions", "zip_sha256")
CONTENT_HASH_METADATA = "batchinfra_content_hash"  # blob metadata: what the uploaded zip was built from
CLAIM_METADATA = "batchinfra_claim"  # blob metadata: the claim of the resource that created or adopted it


@dataclass(frozen=True)
class PackageInputs:
    """The provider's plain inputs: which package version, where its content is, and how to publish it."""

    subscription_id: str
    resource_group_name: str
    account_name: str
    application_name: str
    version: str
    path: str  # absolute path of the folder or .zip (the provider runs in its own process and directory)
    content_hash: str  # package_content.content_hash(path), computed when the program ran
    allow_updates: bool  # the application's allowUpdates
    set_default: bool  # make this version the application's defaultVersion
    # Every version of this application the stack configures: the 40-packages limit counts them with the
    # live ones. Absent from states written before it existed, hence the default.
    sibling_versions: list[str] = field(default_factory=list)
    # A given .zip: the sha256 of its bytes when the program hashed its members, so the upload (the only
    # read at deploy time) can refuse bytes that changed since. None for folders and for older states.
    zip_sha256: str | None = None

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> PackageInputs:
        return cls(
            **{f.name: props[f.name] for f in fields(cls) if f.name in props or _required(f)}
        )

    def as_props(self) -> dict[str, Any]:
        return asdict(self)

    def resource_id(self) -> str:
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group_name}/providers/"
            f"Microsoft.Batch/batchAccounts/{self.account_name}/applications/{self.application_name}"
            f"/versions/{self.version}"
        )

    def describe(self) -> str:
        return (
            f"version {self.version!r} of application {self.application_name!r} in Batch account "
            f"{self.account_name!r}"
        )


def _required(spec: Any) -> bool:
    return spec.default is MISSING and spec.default_factory is MISSING


def input_names() -> tuple[str, ...]:
    return tuple(f.name for f in fields(PackageInputs))


def is_unknown(value: Any) -> bool:
    """Not known in this preview: the provider server hands such values over as pulumi.output.Unknown."""
    return contains_unknowns(value)


def shape_problems(news: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(property, reason) for missing or mistyped inputs and badly formed ids and versions."""
    problems: list[tuple[str, str]] = []
    for spec in fields(PackageInputs):
        value = news.get(spec.name)
        if is_unknown(value) or (spec.name == "sibling_versions" and _is_str_list(value)):
            continue
        if spec.name == "sibling_versions":
            problems.append((spec.name, f"sibling_versions must be a list of versions, got {value!r}"))
            continue
        if spec.name == "zip_sha256" and (value is None or _is_sha256(value)):
            continue
        expected = bool if spec.type in ("bool", bool) else str
        if not isinstance(value, expected) or (expected is str and not value):
            problems.append(
                (spec.name, f"{spec.name} must be a non-empty {expected.__name__}, got {value!r}")
            )
    if isinstance(name := news.get("application_name"), str) and not is_unknown(name):
        if problem := application_id_problem(name):
            problems.append(("application_name", f"{problem}; fix: rename the application"))
    if isinstance(version := news.get("version"), str) and not is_unknown(version):
        if problem := application_version_problem(version):
            problems.append(("version", f"{problem}; fix: use versions like 1.2.0 or 2024-06_1"))
    return problems


def _is_str_list(value: Any) -> bool:
    return value is None or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def same_identity(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    """Whether two input sets name the same package version, as Azure compares names (case-insensitively)."""
    return all(_folded(olds.get(key)) == _folded(news.get(key)) for key in IDENTITY)


def _folded(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def size_problem(size_bound: int, path: str) -> str | None:
    if size_bound <= MAX_BLOCK_BLOB_BYTES:
        return None
    return (
        f"package {path} can reach {size_bound} bytes, more than a block blob holds "
        f"({MAX_BLOCK_BLOB_BYTES} bytes = {MAX_BLOCKS} blocks of {MAX_BLOCK_BYTES // MIB} MiB); "
        "fix: split the package into several applications"
    )


def update_refused(olds: Mapping[str, Any], news: Mapping[str, Any]) -> str | None:
    """Why a content change must not publish: same version, new content, application without allowUpdates."""
    if not olds or not same_identity(olds, news):
        return None
    old_hash, new_hash = olds.get("content_hash"), news.get("content_hash")
    if not old_hash:
        return None  # nothing Active was published (a failed run left it Pending): publishing is allowed
    if old_hash == new_hash or is_unknown(new_hash) or news.get("allow_updates") is not False:
        return None
    return (
        f"the content of version {news['version']!r} of application {news['application_name']!r} changed "
        f"({old_hash} -> {new_hash}) but the application does not allow updates (allowUpdates: false); "
        "fix: publish the new content as a new version (add it under packages and point defaultVersion and "
        "the pools at it), or set allowUpdates: true"
    )


def limit_problems(
    inputs: PackageInputs, applications: list[str], versions: list[str]
) -> list[tuple[str, str]]:
    """Batch's count limits, given the application ids of the account and the versions of this application."""
    problems = []
    if inputs.application_name.lower() not in {a.lower() for a in applications}:
        if len(applications) >= MAX_APPLICATIONS:
            problems.append(
                (
                    "application_name",
                    f"Batch account {inputs.account_name!r} already has "
                    f"{len(applications)} applications, Batch's limit of {MAX_APPLICATIONS}; fix: delete "
                    "unused applications or ask Azure support for a higher limit",
                )
            )
    live = {v.lower() for v in versions}
    planned = {v.lower() for v in [*inputs.sibling_versions, inputs.version]} - live
    if inputs.version.lower() not in live and len(live) + len(planned) > MAX_PACKAGES:
        problems.append(
            (
                "version",
                f"application {inputs.application_name!r} would have {len(live) + len(planned)} package "
                f"versions ({len(live)} in Azure, {len(planned)} new in this stack: "
                f"{', '.join(sorted(planned))}), more than Batch's limit of {MAX_PACKAGES}; fix: remove old "
                "versions from packages (and from the pools using them), or delete unused versions in Azure",
            )
        )
    return problems


@dataclass(frozen=True)
class PackageDiff:
    replaces: list[str]
    updates: list[str]

    @property
    def changes(self) -> bool:
        return bool(self.replaces or self.updates)


def diff(olds: Mapping[str, Any], news: Mapping[str, Any]) -> PackageDiff:
    """Identity changes replace the package; a new content hash re-uploads it; the rest update state only.

    `path`, `sibling_versions` and `zip_sha256` are not compared: they say how to plan (a zip rebuilt
    with new timestamps has new bytes but the same members), the content hash is what is
    published. Names compare case-insensitively, as Azure compares them (see IDENTITY).
    """
    changed = [
        name
        for name in input_names()
        if name not in _PLANNING_ONLY
        and (_folded(olds.get(name)) if name in IDENTITY else olds.get(name))
        != (_folded(news.get(name)) if name in IDENTITY else news.get(name))
    ]
    replaces = [name for name in changed if name in IDENTITY]
    return PackageDiff(replaces, [name for name in changed if name not in IDENTITY])


def block_size(size: int) -> int:
    """Block size that fits `size` in Batch's 50,000 blocks, in whole MiB, at least MIN_BLOCK_BYTES."""
    needed = math.ceil(size / MAX_BLOCKS / MIB) * MIB
    return min(max(MIN_BLOCK_BYTES, needed), MAX_BLOCK_BYTES)


def _is_sha256(value: Any) -> bool:
    """"sha256:<64 hex>", as package_content.file_sha256 writes it."""
    if not isinstance(value, str) or not value.startswith("sha256:"):
        return False
    digest = value.removeprefix("sha256:")
    return len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)
