"""The preflight plan: what `pulumi up` would do per resource on a target, autoscale checks and quotas."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batch_infra.ops.plan import Plan, PlannedResource
from batch_infra.providers.azure_clients import Target
from batch_infra.quotas import QuotaReport

# Properties compared on existing ARM resources; anything else is reported as not compared, never as equal.
COMPARED = ("location", "tags")
POOL_COMPARED = ("displayName", "vmSize", "taskSlotsPerNode", "interNodeCommunication", "metadata")


@dataclass(frozen=True)
class ResourceAction:
    name: str
    type: str
    action: str  # create / update / replace / no change / check / not compared
    detail: str = ""


@dataclass(frozen=True)
class PoolCheck:
    pool_id: str
    action: str
    detail: str
    autoscale: list[str] = field(default_factory=list)  # formula diagnostics, "error: ..." / "warning: ..."
    autoscale_ok: bool = True


@dataclass
class Preflight:
    stack: str
    target: str
    resources: list[ResourceAction]
    pools: list[PoolCheck]
    quotas: QuotaReport
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.quotas.ok and all(p.autoscale_ok for p in self.pools)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "target": self.target,
            "ok": self.ok,
            "resources": [vars(r) for r in self.resources],
            "pools": [vars(p) for p in self.pools],
            "quotas": self.quotas.to_dict(),
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def run(
    stack: str, project_dir: Path, target: Target, step: Callable[[str], None] = lambda _: None
) -> Preflight:
    """Plan under mocks, then read the target: resources, pools (with autoscale checks), quotas."""
    from batch_infra.config import load_stack_file, stack_file
    from batch_infra.ops.plan import plan_stack
    from batch_infra.ops.quota_report import QuotaRequest, read_report

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    step("planning the program under Pulumi's mocks")
    plan = plan_stack(stack, project_dir)
    config = load_stack_file(stack_file(stack, project_dir), environment=stack).config
    seconds["plan"] = time.perf_counter() - started
    step("reading what exists on the target")
    mark = time.perf_counter()
    resources = [resource_action(target, r) for r in _custom(plan)]
    pools = [pool_check(target, config, p) for p in config.pools]
    seconds["read"] = time.perf_counter() - mark
    step("reading quotas")
    mark = time.perf_counter()
    report = read_report(target, QuotaRequest.from_stack(config))
    seconds["quotas"] = time.perf_counter() - mark
    seconds["total"] = time.perf_counter() - started
    where = "emulator" if target.is_emulator else f"Azure subscription {target.subscription_id}"
    return Preflight(stack, where, resources, pools, report, seconds)


def _custom(plan: Plan) -> list[PlannedResource]:
    return [r for r in plan.resources if r.custom]


def _getters(target: Target) -> dict[str, Callable[[dict[str, Any]], Any]]:
    from batch_infra.providers import azure_clients as clients

    return {
        "azure-native:resources:ResourceGroup": lambda i: clients.resource_client(target).resource_groups.get(
            i["resourceGroupName"]
        ),
        "azure-native:storage:StorageAccount": lambda i: clients.storage_client(
            target
        ).storage_accounts.get_properties(i["resourceGroupName"], i["accountName"]),
        "azure-native:network:VirtualNetwork": lambda i: clients.network_client(target).virtual_networks.get(
            i["resourceGroupName"], i["virtualNetworkName"]
        ),
        "azure-native:network:Subnet": lambda i: clients.network_client(target).subnets.get(
            i["resourceGroupName"], i["virtualNetworkName"], i["subnetName"]
        ),
        "azure-native:network:NetworkSecurityGroup": lambda i: clients.network_client(
            target
        ).network_security_groups.get(i["resourceGroupName"], i["networkSecurityGroupName"]),
        "azure-native:batch:BatchAccount": lambda i: clients.batch_mgmt_client(target).batch_account.get(
            i["resourceGroupName"], i["accountName"]
        ),
        "azure-native:batch:Application": lambda i: clients.batch_mgmt_client(target).application.get(
            i["resourceGroupName"], i["accountName"], i["applicationName"]
        ),
    }


def resource_action(target: Target, resource: PlannedResource) -> ResourceAction:
    """create when absent; replace on a moved location; update when tags differ; else no change."""
    from batch_infra.ops.quota_report import _call

    getter = _getters(target).get(resource.type)
    if getter is None:
        return ResourceAction(
            resource.name,
            resource.type,
            _dynamic_action(resource.type),
            "state kept by the Pulumi engine; its provider decides at `pulumi up`",
        )
    live = _call(f"reading {resource.type} {resource.name}", lambda: _get_or_none(getter, resource.inputs))
    if live is None:
        return ResourceAction(resource.name, resource.type, "create")
    return _compare(resource, live)


def _dynamic_action(type_token: str) -> str:
    return "check" if type_token.endswith(":QuotaCheck") else "not compared"


def _get_or_none(getter: Callable[[dict[str, Any]], Any], inputs: dict[str, Any]) -> Any:
    from azure.core.exceptions import ResourceNotFoundError

    try:
        return getter(inputs)
    except ResourceNotFoundError:
        return None


def _compare(resource: PlannedResource, live: Any) -> ResourceAction:
    wanted_location = resource.inputs.get("location")
    live_location = getattr(live, "location", None)
    if wanted_location and live_location and _region(wanted_location) != _region(live_location):
        return ResourceAction(
            resource.name, resource.type, "replace", f"location {live_location} -> {wanted_location}"
        )
    wanted_tags, live_tags = resource.inputs.get("tags"), getattr(live, "tags", None)
    if wanted_tags is not None and (live_tags or {}) != wanted_tags:
        return ResourceAction(resource.name, resource.type, "update", "tags differ")
    compared = [k for k in COMPARED if k in resource.inputs]
    return ResourceAction(
        resource.name,
        resource.type,
        "no change",
        f"compared: {', '.join(compared)}" if compared else "exists",
    )


def _region(value: str) -> str:
    return value.replace(" ", "").lower()


def pool_check(target: Target, config: Any, pool: Any) -> PoolCheck:
    """The pool's action (classified by pool_changes against the live pool) and its autoscale checks."""
    autoscale, autoscale_ok = _autoscale(pool)
    live = _live_pool(target, config, pool.id)
    if live is None:
        return PoolCheck(pool.id, "create", f"{pool.vm_size}", autoscale, autoscale_ok)
    from batch_infra import pool_changes

    plan = pool_changes.classify(_pool_inputs_live(live), _pool_inputs_config(pool))
    action = {"none": "no change"}.get(
        plan.action(pool.on_immutable_change), plan.action(pool.on_immutable_change)
    )
    detail = "; ".join(plan.describe()) or f"compared: {', '.join(POOL_COMPARED)}"
    if plan.needs_empty_pool and action == "update":
        nodes = (live.current_dedicated_nodes or 0) + (live.current_low_priority_nodes or 0)
        detail += f" (needs 0 nodes; it has {nodes})"
    return PoolCheck(pool.id, action, detail, autoscale, autoscale_ok)


def _live_pool(target: Target, config: Any, pool_id: str) -> Any:
    from batch_infra.ops.quota_report import _call
    from batch_infra.providers.azure_clients import batch_mgmt_client

    names = config.names()
    client = batch_mgmt_client(target)
    return _call(
        f"reading pool {pool_id}",
        lambda: _get_or_none(
            lambda _: client.pool.get(names.resource_group, names.batch_account, pool_id), {}
        ),
    )


def _pool_inputs_config(pool: Any) -> dict[str, Any]:
    return {
        "displayName": pool.display_name,
        "vmSize": pool.vm_size.lower(),
        "taskSlotsPerNode": pool.task_slots_per_node,
        "interNodeCommunication": pool.inter_node_communication,
        "metadata": dict(pool.metadata) or None,
    }


def _pool_inputs_live(live: Any) -> dict[str, Any]:
    metadata = {m.name: m.value for m in live.metadata or []}
    communication = getattr(live.inter_node_communication, "value", live.inter_node_communication)
    return {
        "displayName": live.display_name,
        "vmSize": (live.vm_size or "").lower(),
        "taskSlotsPerNode": live.task_slots_per_node,
        "interNodeCommunication": communication == "Enabled",
        "metadata": metadata or None,
    }


def _autoscale(pool: Any) -> tuple[list[str], bool]:
    if not pool.scale.is_autoscale:
        return [], True
    from batch_infra.autoscale import check

    result = check(
        pool.scale.formula, max_dedicated=pool.scale.max_dedicated_nodes, max_spot=pool.scale.max_spot_nodes
    )
    lines = [f"error: {d.message}" for d in result.errors] + [
        f"warning: {d.message}" for d in result.warnings
    ]
    return lines, result.valid
