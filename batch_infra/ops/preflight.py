"""The preflight plan: what `pulumi up` would do per resource on a target, pool images, autoscale, quotas."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from batch_infra.images import SupportedImage, parse_images
from batch_infra.ops import preflight_account as children
from batch_infra.ops.plan import Plan, PlannedResource
from batch_infra.ops.preflight_arm import PROPERTIES, ResourceAction, clients, compare, read_live
from batch_infra.ops.preflight_pools import PoolCheck, check_pool, desired_inputs
from batch_infra.ops.preflight_steps import Step, plan_steps, summary, summary_line
from batch_infra.ops.stack_state import StackState
from batch_infra.providers import azure_clients
from batch_infra.providers.azure_clients import Target
from batch_infra.quotas import QuotaReport

# Where the embedded emulator's catalog is read when the stack's account does not exist (emulator only).
SCRATCH_GROUP = "rg-batch-infra-preflight-catalog"
SCRATCH_ACCOUNT = "preflightcatalog"
READERS = 8  # concurrent GETs: each is one small ARM call, the run's wall time is their latency


@dataclass(frozen=True)
class Catalog:
    """The supported-image list pools resolve against, and which account answered it."""

    images: list[SupportedImage] | None  # None: no account to ask (never invented)
    source: str


@dataclass
class Preflight:
    stack: str
    target: str
    resources: list[ResourceAction]
    pools: list[PoolCheck]
    quotas: QuotaReport
    catalog_source: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)  # Pulumi's view: one step per resource, deletes last
    managed_from: str = ""  # where the deletes come from: the state given, or inferred from the target

    @property
    def ok(self) -> bool:
        return self.quotas.ok and all(p.ok for p in self.pools)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "target": self.target,
            "ok": self.ok,
            "resources": [r.to_dict() for r in self.resources],
            "pools": [p.to_dict() for p in self.pools],
            "imagesFrom": self.catalog_source,
            "quotas": self.quotas.to_dict(),
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "steps": [s.to_dict() for s in self.steps],
            "summary": self.counts,
            "summaryLine": summary_line(self.counts),
            "managedFrom": self.managed_from,
        }

    @property
    def counts(self) -> dict[str, int]:
        return summary(self.steps)


def run(
    plan: Plan,
    target: Target,
    step: Callable[[str], None] = lambda _: None,
    *,
    scratch_catalog: bool = False,
    where: str | None = None,
    today: date | None = None,
    state: StackState | None = None,
) -> Preflight:
    """Read the target for a stack planned under mocks (`plan_stack`, done once by the caller, e.g. while
    the embedded emulator boots): resources, quotas, the image catalog, pools.

    `scratch_catalog` (the embedded emulator only, which preflight started and owns): with no Batch
    account in the region, create a throwaway one in the emulator to read its catalog. Never on Azure.
    `where` names the target in the result (embedded.describe); by default from the target itself.
    `state`: the stack's Pulumi state, which says what the stack manages (deletes); without it, deletes
    are inferred from what the stack's Batch account holds.
    """
    from batch_infra.ops.embedded import describe
    from batch_infra.ops.quota_report import QuotaRequest, read_report

    seconds: dict[str, float] = {}
    clock = _Clock(seconds)
    config = plan.config
    step("reading what exists on the target")
    custom = _custom(plan)
    sdk = clients(target)
    names = config.names()
    with ThreadPoolExecutor(READERS) as pool:
        reads = [pool.submit(read_live, sdk, r) for r in custom]
        pools_read = pool.submit(_live_pools, sdk["batch"], config)
        children_read = pool.submit(
            children.read_children, sdk["batch"], names.resource_group, names.batch_account, _uploaded_hash
        )
        report = read_report(target, QuotaRequest.from_stack(config), sdk["batch"])  # meanwhile
        lives = [r.result() for r in reads]
        live_pools = pools_read.result()
        held = children_read.result()
    account = next(
        (live for r, live in zip(custom, lives, strict=True) if r.type.endswith(":BatchAccount")), None
    )
    resources = [
        compare(r, live, account_exists=account is not None) for r, live in zip(custom, lives, strict=True)
    ]
    clock.lap("read")
    step("reading the supported images")
    catalog = read_catalog(target, config, account, scratch=scratch_catalog)
    clock.lap("images")
    endpoint = (account or {}).get("properties", {}).get("accountEndpoint")
    today = today or datetime.now(UTC).date()
    pools = [
        check_pool(
            desired_inputs(target, config, p, endpoint), live_pools.get(p.id.lower()), catalog.images, today
        )
        for p in config.pools
    ]
    clock.lap("pools")
    by_name = {r.name: a for r, a in zip(custom, resources, strict=True)}
    exists = lives_by_type(custom, lives)
    recorded = {u: r.inputs for u, r in state.resources.items()} if state else {}
    decided = {
        r.urn: _step(r, by_name[r.name], pools, held, live_pools, sdk, exists, recorded) for r in custom
    }
    orphans = [] if state else children.orphans(plan, held, live_pools)
    steps = plan_steps(plan, decided, state=state, orphans=orphans)
    clock.lap("steps")
    where = where or describe(target, owned=False)
    managed = f"the stack's state ({state.source})" if state else "inferred from the stack's Batch account"
    return Preflight(plan.stack, where, resources, pools, report, catalog.source, seconds, steps, managed)


ARM_OPS = {"create": "create", "update": "update", "replace": "replace", "no change": "same"}
POOL_OPS = {
    "create": "create",
    "no change": "same",
    "update live": "update",
    "update when empty": "update",
    "replace": "replace",
    "fails": "fails",
}


def lives_by_type(custom: list[PlannedResource], lives: list[Any]) -> dict[str, bool]:
    """Whether the first declared resource of each ARM type exists (role assignments ask for their scope)."""
    found: dict[str, bool] = {}
    for r, live in zip(custom, lives, strict=True):
        found.setdefault(r.type, live is not None)
    return found


def _step(
    resource: PlannedResource,
    action: ResourceAction,
    pools: list[PoolCheck],
    held: children.AccountChildren,
    live_pools: dict[str, Any],
    sdk: dict[str, Any],
    exists: dict[str, bool],
    recorded: dict[str, dict[str, Any]],
) -> Step:
    """One custom resource's step, from the check that knows its kind."""
    if resource.type in PROPERTIES:
        op = ARM_OPS[action.action]
        return Step(op, resource.urn, resource.type, resource.name, action.detail, action.changes)
    if resource.type == children.POOL:
        wanted = str(resource.properties.get("id", "")).lower()
        check = next(p for p in pools if p.pool_id.lower() == wanted)
        op = POOL_OPS[check.action]
        return Step(op, resource.urn, resource.type, resource.name, check.detail, check.changes)
    if resource.type == children.PACKAGE:
        if not held.exists:
            return Step(
                "create", resource.urn, resource.type, resource.name, "created with the Batch account"
            )
        return children.package_step(resource, held)
    if resource.type == children.QUOTA:
        state_inputs = next((recorded[u] for u in (resource.urn, *resource.aliases) if u in recorded), None)
        # A state entry with no recorded inputs (a hand-made or partial export) says nothing about them:
        # compare with what the account holds instead of calling every input changed.
        return children.quota_step(resource, held, live_pools, state_inputs or None)
    if resource.type == children.ROLE:
        scope = exists.get("azure-native:storage:StorageAccount", False)
        return children.role_step(resource, sdk["resource"], scope)
    raise ValueError(f"{resource.type} {resource.name}: preflight has no check for this type; add one")


def _uploaded_hash(storage_url: str | None) -> str | None:
    """The content hash our upload stamped on a package blob (None: no blob, or not uploaded by us)."""
    from azure.core.exceptions import ResourceNotFoundError

    from batch_infra.providers.app_package_rules import CONTENT_HASH_METADATA

    if not storage_url:
        return None
    try:
        properties = azure_clients.blob_client_from_sas(storage_url).get_blob_properties()
    except ResourceNotFoundError:
        return None
    return (properties.metadata or {}).get(CONTENT_HASH_METADATA)


class _Clock:
    def __init__(self, seconds: dict[str, float]) -> None:
        self.seconds, self.mark = seconds, time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name], self.mark = now - self.mark, now


def _custom(plan: Plan) -> list[PlannedResource]:
    return [r for r in plan.resources if r.custom]


def _live_pools(client: Any, config: Any) -> dict[str, dict[str, Any]]:
    """The account's pools (REST shape) by lower-case id, in one list call; none when there is no account."""
    from batch_infra.ops.quota_report import _call

    names = config.names()

    def listing() -> list[Any]:
        try:
            return list(client.pool.list_by_batch_account(names.resource_group, names.batch_account))
        except ResourceNotFoundError:
            return []

    pools = _call(f"listing the pools of Batch account {names.batch_account}", listing)
    return {p.name.lower(): p.as_dict() for p in pools}


def read_catalog(target: Target, config: Any, account: dict[str, Any] | None, *, scratch: bool) -> Catalog:
    """One supported-image list: the stack's account, else another in its region, else (embedded emulator
    only) a throwaway account; else say honestly that images resolve once the account exists."""
    names = config.names()
    if account is not None and config.account.public_access("accountAccess") == "closed":
        # Preflight runs where Pulumi runs, outside the account's network: its data plane is out of
        # reach (README "Private environments"), and the config has made every pool pin its image.
        return Catalog(
            None,
            f"not read: Batch account {names.batch_account}'s endpoint is private; pinned images are used "
            "as written (run `batch-infra images` inside the network for their end of life)",
        )
    if account is not None:
        return Catalog(_list_images(target, account), f"Batch account {names.batch_account}")
    other = _account_in_region(target, config.location)
    if other is not None:
        group = other["id"].split("/")[4]
        return Catalog(
            _list_images(target, other),
            f"Batch account {other['name']} (resource group {group}, same region): "
            f"{names.batch_account} does not exist yet",
        )
    if scratch and target.is_emulator:
        return Catalog(
            _list_images(target, _scratch_account(target, config.location)),
            f"the embedded emulator's catalog, read through the scratch account {SCRATCH_ACCOUNT} that "
            "preflight makes there; never in Azure",
        )
    return Catalog(
        None,
        f"resolved when the account exists: no Batch account in {config.location} in subscription "
        f"{target.subscription_id} to list supported images",
    )


def _list_images(target: Target, account: dict[str, Any]) -> list[SupportedImage]:
    from batch_infra.ops.quota_report import _call

    endpoint = account["properties"]["accountEndpoint"]
    client = azure_clients.batch_data_client(target, endpoint)
    items = _call(
        f"listing the supported images of Batch account {account['name']}",
        lambda: [dict(item) for item in client.list_supported_images()],
    )
    return parse_images(items)


def _account_in_region(target: Target, location: str) -> dict[str, Any] | None:
    from batch_infra.ops.quota_report import _call

    client = azure_clients.batch_mgmt_client(target)
    accounts = _call(
        "listing the subscription's Batch accounts",
        lambda: [a.as_dict() for a in client.batch_account.list()],
    )
    region = location.replace(" ", "").lower()
    same = [
        a
        for a in accounts
        if str(a.get("location", "")).replace(" ", "").lower() == region
        and (a.get("properties") or {}).get("accountEndpoint")
    ]
    return min(same, key=lambda a: a["name"]) if same else None


def _scratch_account(target: Target, location: str) -> dict[str, Any]:
    from batch_infra.ops.quota_report import _call

    azure_clients.resource_client(target).resource_groups.create_or_update(
        SCRATCH_GROUP, {"location": location}
    )
    client = azure_clients.batch_mgmt_client(target)
    return _call(
        f"creating the throwaway account {SCRATCH_ACCOUNT} in the embedded emulator",
        lambda: (
            client.batch_account.begin_create(
                SCRATCH_GROUP, SCRATCH_ACCOUNT, {"location": location, "properties": {}}
            )
            .result()
            .as_dict()
        ),
    )
