"""Preflight of what lives inside the stack's Batch account and has no ARM diff of its own: package versions,
the quota check, role assignments, and what the account holds that the config no longer declares.

Packages are diffed as the package provider's `diff` does (`app_package_rules.diff`), with the old side
read back from Azure the way its `read` (refresh) does: the content hash stamped on the blob, the
application's default version and allowUpdates. The quota check's inputs depend only on the config, so
without the state they are compared with what the account's live pools and applications imply.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from batch_infra.ops.plan import Plan, PlannedResource
from batch_infra.ops.preflight_steps import Step, orphan_step
from batch_infra.providers import app_package_rules as rules

PACKAGE = "pulumi-python:dynamic/app_package:ApplicationPackage"
APPLICATION = "azure-native:batch:Application"
POOL = "pulumi-python:dynamic/pool:Pool"
QUOTA = "pulumi-python:dynamic/quota:QuotaCheck"
ROLE = "azure-native:authorization:RoleAssignment"
ROLE_API = "2022-04-01"


@dataclass(frozen=True)
class LiveVersion:
    application: str  # as Azure spells it
    version: str
    state: str
    content_hash: str | None  # the stamp our upload put on the blob; None when there is none


@dataclass
class AccountChildren:
    """The account's applications (REST bodies by lower-case id) and their versions (by lower-case pair)."""

    exists: bool
    applications: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[tuple[str, str], LiveVersion] = field(default_factory=dict)


def read_children(
    client: Any, group: str, account: str, hash_of: Callable[[str | None], str | None]
) -> AccountChildren:
    """One list of applications, one list of versions per application; `hash_of(storage_url)` per version."""
    from batch_infra.ops.quota_report import _call

    def listing() -> AccountChildren | None:
        try:
            apps = [a.as_dict() for a in client.application.list(group, account)]
        except ResourceNotFoundError:
            return None
        found = AccountChildren(True, {a["name"].lower(): a for a in apps})
        for app in apps:
            for package in client.application_package.list(group, account, app["name"]):
                state = getattr(package.state, "value", package.state)
                found.versions[(app["name"].lower(), package.name.lower())] = LiveVersion(
                    app["name"], package.name, str(state), hash_of(package.storage_url)
                )
        return found

    return _call(f"listing the applications of Batch account {account}", listing) or AccountChildren(False)


def package_step(resource: PlannedResource, live: AccountChildren) -> Step:
    """The package provider's verdict: create a missing version, update new content or default, else same."""
    news = resource.properties
    app, version = str(news["application_name"]), str(news["version"])
    found = live.versions.get((app.lower(), version.lower()))
    if found is None:
        return Step(
            "create", resource.urn, resource.type, resource.name, f"{app} {version}: not in the account"
        )
    application = live.applications.get(app.lower(), {}).get("properties") or {}
    olds = {
        **news,
        "content_hash": (found.content_hash or "") if found.state == "Active" else "",
        "set_default": (application.get("defaultVersion") or "").lower() == version.lower(),
        "allow_updates": bool(application.get("allowUpdates")),
    }
    if refused := rules.update_refused(olds, news):
        return Step("fails", resource.urn, resource.type, resource.name, refused)
    changed = rules.diff(olds, news)
    if changed.replaces:
        return Step("replace", resource.urn, resource.type, resource.name, ", ".join(changed.replaces))
    if changed.changes:
        shown = "; ".join(f"{k}: {_short(olds.get(k))} -> {_short(news.get(k))}" for k in changed.changes)
        return Step("update", resource.urn, resource.type, resource.name, shown)
    return Step("same", resource.urn, resource.type, resource.name, "content hash, default version compared")


def quota_step(
    resource: PlannedResource,
    live: AccountChildren,
    live_pools: Mapping[str, Any],
    recorded: Mapping[str, Any] | None = None,
) -> Step:
    """QuotaCheck: created with the account; updated when its inputs differ from what it recorded (its
    provider's diff, from the state's inputs when given), else from what the account holds now: pools (id
    as spelled, VM size) and applications."""
    if not live.exists:
        return Step("create", resource.urn, resource.type, resource.name, "created with the Batch account")
    news = resource.properties
    if recorded is not None:
        changed = [k for k in QUOTA_INPUTS if _comparable(k, recorded.get(k)) != _comparable(k, news.get(k))]
        if changed:
            return Step(
                "update", resource.urn, resource.type, resource.name, "changed: " + ", ".join(changed)
            )
        return Step("same", resource.urn, resource.type, resource.name, "inputs compared with the state")
    wanted_pools = sorted((str(p["pool_id"]), str(p["vm_size"]).lower()) for p in news.get("pools") or [])
    held_pools = sorted(
        (str(body.get("name", key)), str((body.get("properties") or {}).get("vmSize", "")).lower())
        for key, body in live_pools.items()
    )
    wanted_apps = sorted(str(a).lower() for a in news.get("applications") or [])
    changes = []
    if wanted_pools != held_pools:
        changes.append(f"pools {_pairs(held_pools)} -> {_pairs(wanted_pools)}")
    if wanted_apps != sorted(live.applications):
        changes.append(f"applications {sorted(live.applications)} -> {wanted_apps}")
    if changes:
        return Step("update", resource.urn, resource.type, resource.name, "; ".join(changes))
    return Step("same", resource.urn, resource.type, resource.name, "pools and applications compared")


QUOTA_INPUTS = ("account_id", "location", "pools", "applications", "threshold")  # quota_lifecycle.INPUTS


def _comparable(key: str, value: Any) -> Any:
    """The plan's ids carry the mock subscription: compare account ids from /resourcegroups/ on."""
    if key == "account_id" and isinstance(value, str):
        text = value.lower()
        return text[text.find("/resourcegroups/") :]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_comparable(key, v) for v in value]
    if isinstance(value, dict):
        return {k: _comparable(k, v) for k, v in value.items()}
    return value


def role_step(resource: PlannedResource, resource_client: Any, scope_exists: bool) -> Step:
    """A role assignment by its id (scope + name); with a name Azure knows only later, by its scope."""
    from batch_infra.ops.quota_report import _call

    news = resource.properties
    name, scope = news.get("roleAssignmentName"), news.get("scope")
    if not isinstance(name, str) or not isinstance(scope, str):
        op = "same" if scope_exists else "create"
        return Step(
            op,
            resource.urn,
            resource.type,
            resource.name,
            "not read: its name is known at deploy time; "
            + ("assumed present with its storage account" if scope_exists else "its scope is new"),
        )
    if not scope_exists:
        return Step("create", resource.urn, resource.type, resource.name, "its scope is new")
    role_id = (
        f"{_target_scope(scope, resource_client)}/providers/Microsoft.Authorization/roleAssignments/{name}"
    )

    def get() -> Any:
        try:
            return resource_client.resources.get_by_id(role_id, ROLE_API).as_dict()
        except ResourceNotFoundError:
            return None

    live = _call(f"reading role assignment {name}", get)
    if live is None:
        return Step("create", resource.urn, resource.type, resource.name)
    props = live.get("properties") or {}
    moved = [
        k
        for k in ("roleDefinitionId", "principalId")
        if isinstance(news.get(k), str) and _tail(props.get(k)) != _tail(news.get(k))
    ]
    if moved:  # azure-native replaces a role assignment on any of these
        return Step("replace", resource.urn, resource.type, resource.name, ", ".join(moved))
    return Step("same", resource.urn, resource.type, resource.name, "roleDefinitionId, principalId compared")


def orphans(plan: Plan, live: AccountChildren, live_pools: Mapping[str, Any]) -> list[Step]:
    """What the stack's account holds that the config does not declare: pools, applications, versions."""
    declared = [r.properties for r in plan.resources]
    pools = {
        str(p.get("id", "")).lower() for r, p in zip(plan.resources, declared, strict=True) if r.type == POOL
    }
    apps = {
        str(p.get("applicationName", "")).lower()
        for r, p in zip(plan.resources, declared, strict=True)
        if r.type == APPLICATION
    }
    versions = {
        (str(p["application_name"]).lower(), str(p["version"]).lower())
        for r, p in zip(plan.resources, declared, strict=True)
        if r.type == PACKAGE
    }
    found = [
        orphan_step(plan, POOL, f"batch-pool-{body.get('name', key)}", f"pool {body.get('name', key)}")
        for key, body in sorted(live_pools.items())
        if key not in pools
    ]
    from batch_infra.components.packages import package_name

    found += [
        orphan_step(
            plan, PACKAGE, package_name("batch", v.application, v.version), f"{v.application} {v.version}"
        )
        for key, v in sorted(live.versions.items())
        if key not in versions
    ]
    found += [
        orphan_step(plan, APPLICATION, f"batch-applications-{body['name']}", f"application {body['name']}")
        for key, body in sorted(live.applications.items())
        if key not in apps
    ]
    return found


def _target_scope(scope: str, resource_client: Any) -> str:
    """The mock plan's subscription is not the target's: keep the scope from /resourceGroups/ on."""
    index = scope.lower().find("/resourcegroups/")
    subscription = resource_client._config.subscription_id  # noqa: SLF001 the client's own target
    return f"/subscriptions/{subscription}{scope[index:]}" if index >= 0 else scope


def _tail(value: Any) -> str:
    text = str(value or "").lower()
    return text[text.find("/providers/") :] if "/providers/" in text else text


def _pairs(pairs: list[tuple[str, str]]) -> str:
    return "[" + ", ".join(f"{a} {b}" for a, b in pairs) + "]"


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 24 else text[:21] + "..."
