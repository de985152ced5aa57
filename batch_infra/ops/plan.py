"""Plans a stack without engine or Azure: validate its file, run the program under mocks, list resources."""

from __future__ import annotations

import asyncio
import contextvars
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batch_infra.config import load_stack_file, stack_file
from batch_infra.config.loader import SECRET_PLACEHOLDER, LoadedStack, mask_nested_secrets
from batch_infra.config.stack import StackConfig
from batch_infra.config.yaml_source import read_yaml
from batch_infra.ops.mock_azure import AzureMocks

PROJECT = "batch-infra"


@dataclass(frozen=True)
class PlannedResource:
    """One resource the program declares: what `pulumi preview` would list."""

    urn: str
    type: str
    name: str
    parent: str | None  # parent URN; the stack's URN for top-level resources
    custom: bool  # False for component resources
    inputs: dict[str, Any] = field(default_factory=dict)
    dependencies: tuple[str, ...] = ()  # URNs the engine orders this resource after (depends_on included)
    # Resource options the engine acts on: replace order, destroy refusal, delete without Azure call.
    delete_before_replace: bool = False
    protect: bool = False
    retain_on_delete: bool = False
    aliases: tuple[str, ...] = ()  # former URNs (the `aliases` option): state under these is this resource
    additional_secret_outputs: tuple[str, ...] = ()

    @property
    def properties(self) -> dict[str, Any]:
        """The declared inputs without the SDK's internal ones (a dynamic provider's pickled `__provider`)."""
        return {k: v for k, v in self.inputs.items() if not k.startswith("__")}

    def key_properties(self) -> dict[str, Any]:
        """The few inputs that say what this resource is, for the preflight tree."""
        paths = KEY_PROPERTIES.get(self.type)
        if paths is None:
            return {k: v for k, v in self.properties.items() if isinstance(v, (str, int, float, bool))}
        found = {path: _lookup(self.inputs, path) for path in paths}
        return {path: value for path, value in found.items() if value is not None}


# type token -> input paths worth showing in the tree (dots walk into objects).
KEY_PROPERTIES: dict[str, tuple[str, ...]] = {
    "azure-native:resources:ResourceGroup": ("resourceGroupName", "location"),
    "azure-native:network:VirtualNetwork": ("virtualNetworkName", "addressSpace.addressPrefixes"),
    "azure-native:network:Subnet": ("subnetName", "addressPrefix"),
    "azure-native:network:NetworkSecurityGroup": ("networkSecurityGroupName", "securityRules"),
    "azure-native:storage:StorageAccount": (
        "accountName",
        "kind",
        "sku.name",
        "minimumTlsVersion",
        "enableHttpsTrafficOnly",
        "allowBlobPublicAccess",
    ),
    "azure-native:batch:BatchAccount": (
        "accountName",
        "poolAllocationMode",
        "publicNetworkAccess",
        "allowedAuthenticationModes",
        "autoStorage.authenticationMode",
        "identity.type",
    ),
    "azure-native:batch:Application": ("applicationName", "displayName", "allowUpdates"),
}


def _lookup(values: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        if not isinstance(values, dict):
            return None
        values = values.get(part)
    if isinstance(values, list) and values and isinstance(values[0], dict) and "name" in values[0]:
        # Security rules and similar: show each rule as "name -> destination:port".
        return [
            f"{v['name']} -> {v.get('destinationAddressPrefix', '*')}:{v.get('destinationPortRange', '*')}"
            for v in values
        ]
    return values


@dataclass(frozen=True)
class Plan:
    stack: str
    source: str  # the stack file, as errors name it
    resources: list[PlannedResource]
    outputs: dict[str, Any]
    # The stack file as validated for this plan: the steps after planning read it here, not from the file
    # again (one validation per preflight; the file cannot change between them either).
    config: StackConfig

    @property
    def stack_urn(self) -> str:
        """The root `pulumi:pulumi:Stack` resource, named `<project>-<stack>` as the language host does."""
        return urn(self.stack, "pulumi:pulumi:Stack", f"{PROJECT}-{self.stack}")


def urn(stack: str, qualified_type: str, name: str) -> str:
    return f"urn:pulumi:{stack}::{PROJECT}::{qualified_type}::{name}"


def qualified_type(parent_urn: str | None, type_: str) -> str:
    """The engine qualifies a child's type with its parent's type chain (not the root stack's)."""
    if parent_urn and parent_urn.split("::")[2] != "pulumi:pulumi:Stack":
        return parent_urn.split("::")[2] + "$" + type_
    return type_


def plan_stack(stack: str, project_dir: Path | str = ".") -> Plan:
    """Validate `stacks/Pulumi.<stack>.yaml` (ConfigError lists every problem), then plan it under mocks."""
    project_dir = Path(project_dir)
    path = stack_file(stack, project_dir)
    loaded = load_stack_file(path, environment=stack)
    config, secret_keys = pulumi_config_values(path, loaded)
    from batch_infra.program import build

    resources, outputs = run_under_mocks(
        lambda: build(project_dir.resolve()), stack=stack, config=config, secret_keys=secret_keys
    )
    # Registration order depends on how the runtime schedules its RPCs; URN order is stable.
    return Plan(stack, loaded.source, sorted(resources, key=lambda r: r.urn), outputs, loaded.config)


def plan_resources(stack: str, project_dir: Path | str = ".") -> list[PlannedResource]:
    """The resources `pulumi up --stack <stack>` would declare, sorted by URN."""
    return plan_stack(stack, project_dir).resources


def pulumi_config_values(path: Path, loaded: LoadedStack) -> tuple[dict[str, str], list[str]]:
    """The stack file's config as the engine hands it to the program: strings, objects as JSON."""
    document = read_yaml(path, loaded.source)  # libyaml: a plain safe_load took a second per 100 pools
    values: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in document["config"].items():
        masked, nested = mask_nested_secrets({key: value})
        if isinstance(value, dict) and set(value) == {"secure"}:
            values[key] = SECRET_PLACEHOLDER
            secret_keys.append(key)
        else:
            values[key] = masked[key] if isinstance(masked[key], str) else json.dumps(masked[key])
            if nested:  # the engine lists the whole key when any value inside it is secure
                secret_keys.append(key)
    values.setdefault("batch-infra:location", loaded.config.location)
    return values, secret_keys


def run_under_mocks(
    program: Callable[[], dict[str, Any]], *, stack: str, config: dict[str, str], secret_keys: list[str]
) -> tuple[list[PlannedResource], dict[str, Any]]:
    """Run `program` under Pulumi's mock runtime; return what it registered and its resolved outputs.

    The runtime keeps its settings in context variables and an event loop per thread, so each run gets
    its own thread, context and loop: runs never see each other's stack, config or root resource.
    """
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = contextvars.Context().run(_run, program, stack, config, secret_keys)
        except BaseException as err:  # noqa: BLE001 re-raised in the calling thread below
            result["error"] = err

    worker = threading.Thread(target=target, name=f"pulumi-mocks-{stack}")
    worker.start()
    worker.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def _run(
    program: Callable[[], dict[str, Any]], stack: str, config: dict[str, str], secret_keys: list[str]
) -> tuple[list[PlannedResource], dict[str, Any]]:
    import pulumi
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    monitor = _recording_monitor_class()(AzureMocks())
    outputs: dict[str, Any] = {}

    async def body() -> None:
        exports = program()
        outputs.update(await pulumi.Output.all(**exports).future() or {})

    try:
        pulumi.runtime.set_all_config(config, secret_keys)
        pulumi.runtime.set_mocks(AzureMocks(), project=PROJECT, stack=stack, preview=True, monitor=monitor)
        _sync_await(run_pulumi_func(body))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    return list(monitor.planned), outputs


def _recording_monitor_class() -> type:
    """A MockMonitor that also records each registration's type, name, parent and inputs."""
    import pulumi
    from pulumi.runtime import rpc
    from pulumi.runtime.mocks import MockMonitor

    class RecordingMonitor(MockMonitor):
        def __init__(self, mocks: Any) -> None:
            super().__init__(mocks)
            self.planned: list[PlannedResource] = []

        def make_urn(self, parent: str, type_: str, name: str) -> str:
            # The engine qualifies a child's type with its parent's whole type chain; the stock mock keeps
            # only the parent's last type. Use the engine's form so URNs here are the URNs in real state.
            return urn(pulumi.get_stack(), qualified_type(parent, type_), name)

        def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
            response = super().RegisterResource(request)
            if request.type != "pulumi:pulumi:Stack":
                self.planned.append(
                    PlannedResource(
                        urn=response.urn,
                        type=request.type,
                        name=request.name,
                        parent=request.parent or None,
                        custom=bool(request.custom),
                        inputs=rpc.deserialize_properties(request.object),
                        dependencies=tuple(sorted(request.dependencies)),
                        delete_before_replace=bool(request.deleteBeforeReplace),
                        protect=bool(request.protect),
                        retain_on_delete=bool(request.retainOnDelete),
                        aliases=alias_urns(request, pulumi.get_stack()),
                        additional_secret_outputs=tuple(request.additionalSecretOutputs),
                    )
                )
            return response

    return RecordingMonitor


def alias_urns(request: Any, stack: str) -> tuple[str, ...]:
    """The URNs a registration's aliases stand for: given whole, or as a spec relative to the resource."""
    found = []
    for alias in request.aliases:
        if alias.urn:
            found.append(alias.urn)
            continue
        spec = alias.spec
        parent = None if spec.noParent else (spec.parentUrn or request.parent or None)
        found.append(
            urn(
                spec.stack or stack,
                qualified_type(parent, spec.type or request.type),
                spec.name or request.name,
            )
        )
    return tuple(sorted({*found, *request.aliasURNs}))
