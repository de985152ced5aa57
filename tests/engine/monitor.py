"""The ResourceMonitor and Engine gRPC servers the program's SDK talks to (deploy/source_eval.go)."""

from __future__ import annotations

import threading
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, resource_pb2, resource_pb2_grpc

from tests.engine.state import ResourceState
from tests.engine.steps import Deployment, Goal, StepError
from tests.engine.wire import WireError, decode_properties, to_struct

STEP_CANCELLED = "resource monitor shut down while waiting on step's done channel"  # source_eval.go
# source_eval.go supportsFeatureID: what the CLI (3.259/3.260) answers true to.
SUPPORTED_FEATURES = {
    "secrets": resource_pb2.RESOURCE_MONITOR_FEATURE_SECRETS,
    "resourceReferences": resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES,
    "outputValues": resource_pb2.RESOURCE_MONITOR_FEATURE_OUTPUT_VALUES,
    "aliasSpecs": resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS,
    "replacementTrigger": resource_pb2.RESOURCE_MONITOR_FEATURE_REPLACEMENT_TRIGGER,
    "deletedWith": resource_pb2.RESOURCE_MONITOR_FEATURE_DELETED_WITH,
    "replaceWith": resource_pb2.RESOURCE_MONITOR_FEATURE_REPLACE_WITH,
    "transforms": resource_pb2.RESOURCE_MONITOR_FEATURE_TRANSFORMS,
    "invokeTransforms": resource_pb2.RESOURCE_MONITOR_FEATURE_INVOKE_TRANSFORMS,
    "parameterization": resource_pb2.RESOURCE_MONITOR_FEATURE_PARAMETERIZATION,
    "resourceHooks": resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_HOOKS,
    "errorHooks": resource_pb2.RESOURCE_MONITOR_FEATURE_ERROR_HOOKS,
    "sendsOptionsToHooks": resource_pb2.RESOURCE_MONITOR_FEATURE_SENDS_OPTIONS_TO_HOOKS,
}
_ALWAYS = [
    resource_pb2.RESOURCE_MONITOR_FEATURE_BYTE_STRING,
    resource_pb2.RESOURCE_MONITOR_FEATURE_INVOKE_DEPENDS_ON,
    resource_pb2.RESOURCE_MONITOR_FEATURE_INVOKE_PARENT,
]
_SEVERITY = {0: "debug", 1: "info", 2: "warning", 3: "error"}


@dataclass
class RunInfo:
    project: str
    stack: str
    organization: str
    config: dict[str, str]
    config_secret_keys: list[str]
    dry_run: bool
    parallel: int


@dataclass
class Diagnostics:
    entries: list[dict[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, severity: str, message: str, urn: str = "") -> None:
        with self._lock:
            self.entries.append({"severity": severity, "urn": urn, "message": message})


def goal_from_request(req: resource_pb2.RegisterResourceRequest) -> Goal:
    decoded = decode_properties(req.object)
    prop_deps = {k: list(v.urns) for k, v in req.propertyDependencies.items()}
    for key, urns in decoded.dependencies.items():
        prop_deps[key] = sorted(set(prop_deps.get(key, [])) | urns)
    return Goal(
        type=req.type,
        name=req.name,
        custom=req.custom,
        parent=req.parent,
        inputs=decoded.values,
        dependencies=list(req.dependencies),
        property_dependencies=prop_deps,
        protect=req.protect if req.HasField("protect") else None,
        retain_on_delete=req.retainOnDelete if req.HasField("retainOnDelete") else None,
        delete_before_replace=req.deleteBeforeReplace if req.deleteBeforeReplaceDefined else None,
        ignore_changes=list(req.ignoreChanges),
        additional_secret_outputs=list(req.additionalSecretOutputs),
        replace_on_changes=list(req.replaceOnChanges),
        alias_urns=list(req.aliasURNs),
        alias_specs=[_alias_spec(a) for a in req.aliases],
        version=req.version,
        deleted_with=req.deletedWith,
        import_id=req.importId,
    )


def _alias_spec(alias: Any) -> dict[str, Any]:
    if alias.HasField("urn"):
        return {"urn": alias.urn}
    spec = alias.spec
    return {
        "name": spec.name,
        "type": spec.type,
        "stack": spec.stack,
        "project": spec.project,
        "parentUrn": spec.parentUrn if spec.HasField("parentUrn") else "",
        "noParent": spec.noParent if spec.HasField("noParent") else False,
    }


def _unsupported(req: resource_pb2.RegisterResourceRequest) -> str | None:
    if req.remote:
        return "remote (multi-language) components are not supported by the test engine"
    if req.provider or req.providers:
        return "explicit provider resources are not supported by the test engine (default providers only)"
    if req.type.startswith("pulumi:providers:"):
        return "explicit provider resources are not supported by the test engine (default providers only)"
    if req.transforms or req.hooks.ListFields() or list(req.replace_with):
        return "transforms, resource hooks and replaceWith are not supported by the test engine"
    return None


class ResourceMonitor(resource_pb2_grpc.ResourceMonitorServicer):
    def __init__(self, deployment: Deployment, info: RunInfo, diagnostics: Diagnostics) -> None:
        self.deployment = deployment
        self.info = info
        self.diagnostics = diagnostics
        self.stack_urn = ""

    def SupportsFeature(self, request, context):  # noqa: N802, ANN001, ANN201 - gRPC names
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in SUPPORTED_FEATURES)

    def GetDeploymentInfo(self, request, context):  # noqa: N802, ANN001, ANN201
        return resource_pb2.DeploymentInfo(
            project=self.info.project,
            stack=self.info.stack,
            organization=self.info.organization,
            config=self.info.config,
            configSecretKeys=self.info.config_secret_keys,
            dryRun=self.info.dry_run,
            parallel=self.info.parallel,
            supportedFeatures=[*SUPPORTED_FEATURES.values(), *_ALWAYS],
        )

    def _fail(self, context: Any, urn: str, message: str) -> None:
        self.diagnostics.add("error", message, urn)
        context.abort(grpc.StatusCode.UNKNOWN, message)

    def _step_failed(self, context: Any, err: StepError) -> None:
        """A failed step cancels the deployment: source_eval.go answers the waiting registration with
        Unavailable "resource monitor shut down while waiting on step's done channel" (the step's own error
        is the engine's diagnostic), which the SDK turns into a quiet RunError, never a program traceback."""
        self.diagnostics.add("error", str(err), err.urn)
        context.abort(grpc.StatusCode.UNAVAILABLE, STEP_CANCELLED)

    def RegisterResource(self, request, context):  # noqa: N802, ANN001, ANN201
        problem = _unsupported(request)
        if problem:
            self._fail(context, "", f"{request.type} {request.name}: {problem}")
        try:
            goal = goal_from_request(request)
            if goal.type == "pulumi:pulumi:Stack":
                self.stack_urn = self.deployment.urn_for(goal)
            state = self.deployment.register(goal)
        except StepError as err:
            self._step_failed(context, err)
        except WireError as err:
            self._fail(context, "", f"{request.type} {request.name}: {err}")
        return resource_pb2.RegisterResourceResponse(
            urn=state.urn, id=state.id, object=self._outputs(state, request.acceptSecrets)
        )

    def _outputs(self, state: ResourceState, accept_secrets: bool) -> Any:
        return to_struct(state.outputs, keep_secrets=accept_secrets)

    def RegisterResourceOutputs(self, request, context):  # noqa: N802, ANN001, ANN201
        try:
            self.deployment.register_outputs(request.urn, decode_properties(request.outputs).values)
        except (StepError, WireError) as err:
            self._fail(context, request.urn, str(err))
        return empty_pb2.Empty()

    def ReadResource(self, request, context):  # noqa: N802, ANN001, ANN201
        if request.provider:
            self._fail(context, "", f"{request.type} {request.name}: explicit providers are not supported")
        try:
            decoded = decode_properties(request.properties)
            goal = Goal(
                type=request.type,
                name=request.name,
                custom=True,
                parent=request.parent,
                inputs=decoded.values,
                dependencies=list(request.dependencies),
                property_dependencies={},
                additional_secret_outputs=list(request.additionalSecretOutputs),
                version=request.version,
            )
            state = self.deployment.read(goal, request.id)
        except StepError as err:
            self._step_failed(context, err)
        except WireError as err:
            self._fail(context, "", f"{request.type} {request.name}: {err}")
        return resource_pb2.ReadResourceResponse(
            urn=state.urn, properties=self._outputs(state, request.acceptSecrets)
        )

    def Invoke(self, request, context):  # noqa: N802, ANN001, ANN201
        self._fail(
            context,
            "",
            f"invoke {request.tok}: the test engine implements no invokes (the program "
            "uses none today); add it to tests/engine before calling it",
        )

    def Call(self, request, context):  # noqa: N802, ANN001, ANN201
        self._fail(context, "", f"call {request.tok}: method calls are not supported by the test engine")

    def RegisterStackTransform(self, request, context):  # noqa: N802, ANN001, ANN201
        self._fail(context, "", "stack transforms are not supported by the test engine")

    def RegisterStackInvokeTransform(self, request, context):  # noqa: N802, ANN001, ANN201
        self._fail(context, "", "invoke transforms are not supported by the test engine")

    def RegisterResourceHook(self, request, context):  # noqa: N802, ANN001, ANN201
        self._fail(context, "", "resource hooks are not supported by the test engine")

    def RegisterPackage(self, request, context):  # noqa: N802, ANN001, ANN201
        self._fail(context, "", f"package {request.name}: parameterized packages are not supported")

    def SignalAndWaitForShutdown(self, request, context):  # noqa: N802, ANN001, ANN201
        return empty_pb2.Empty()


class Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self, diagnostics: Diagnostics) -> None:
        self.diagnostics = diagnostics
        self.root = ""

    def Log(self, request, context):  # noqa: N802, ANN001, ANN201
        self.diagnostics.add(_SEVERITY.get(request.severity, "info"), request.message, request.urn)
        return empty_pb2.Empty()

    def GetRootResource(self, request, context):  # noqa: N802, ANN001, ANN201
        return engine_pb2.GetRootResourceResponse(urn=self.root)

    def SetRootResource(self, request, context):  # noqa: N802, ANN001, ANN201
        self.root = request.urn
        return engine_pb2.SetRootResourceResponse()


class Servers:
    """Both servers on one 127.0.0.1 port the kernel picks; enough threads for every pending registration."""

    def __init__(self) -> None:
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=128))
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.address = f"127.0.0.1:{self.port}"

    def serve(self, monitor: ResourceMonitor, engine: Engine) -> None:
        resource_pb2_grpc.add_ResourceMonitorServicer_to_server(monitor, self.server)
        engine_pb2_grpc.add_EngineServicer_to_server(engine, self.server)
        self.server.start()

    def stop(self) -> None:
        self.server.stop(grace=None)
