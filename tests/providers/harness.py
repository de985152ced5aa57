"""Drive a dynamic provider in the Pulumi engine's call shapes, through the plugin the Pulumi CLI starts.

The server is started as the engine starts it (../shared/reference/pulumi-engine/README.md, sections 2-5):
the upstream `pulumi-resource-pulumi-python` script, in the program's pwd from Pulumi.yaml (the project
root), with `PULUMI_RUNTIME_VIRTUALENV` / `PULUMI_RUNTIME_TOOLCHAIN` / `PULUMI_PROJECT`; so the provider
runs in the project's virtualenv with the pwd first on `sys.path`, as under `pulumi up`. The provider
travels as the engine stores it (`__provider` = `serialize_provider(...)`).

The harness keeps the engine's state of each resource (id -> inputs, outputs), so every call has the
engine's shape:
- Check: olds = the old *inputs* (none on a create and on a replacement); unknowns only in previews
  (`tests.engine.values.UNKNOWN` is sent as the engine's sentinel; the SDK hands the provider Unknown()).
- Diff: olds = the old *outputs*, old_inputs = the old inputs, news = the checked inputs.
- Update: olds = the old outputs, old_inputs, news.  Read (refresh): properties = the old outputs *and*
  inputs = the old inputs.  Delete: the outputs.
- Secrets (`tests.engine.values.Secret`) are stripped before every call and re-marked on same-named
  outputs after it (annotateSecrets), as for a provider that answers acceptSecrets=false.

The steps (`up`, `preview`, `refresh`, `destroy`) chain these calls as the step generator does, including
replacements (re-Checked without olds; delete first when the Diff or the resource option says so) and
`pulumi up --replace` (no Diff at all). Tests should use them; the single calls `check`, `diff`, `create`,
`update`, `read`, `delete` remain, filled from the recorded state. `check` refuses olds that are not a
recorded resource's inputs, the mistake this harness once allowed.

The thin direct-gRPC path (`raw_read`, and explicit `olds` to `update`) serves only cases the engine cannot
produce from a stack the harness holds:
1. an Update whose recorded outputs are stale against Azure written by hand (the engine gets there only
   through a state older than the cloud; the test forges that state instead of waiting for one);
2. a Read with inputs but no properties (the SDK server's fallback; the engine's Get sends both, its
   import sends neither).

Errors raised inside the provider come back as `ProviderCallError` carrying the server's traceback text.
The server inherits `os.environ` (plus `env=`) when it starts, so fixtures that set environment variables
(e.g. `emulator_env`) must run before `start()`.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import grpc
from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime import proto, rpc
from pulumi.runtime.proto import provider_pb2_grpc

from tests.engine.process_tree import stop_process_tree
from tests.engine.values import UNKNOWN, UNKNOWN_GUID, Secret, strip_secrets
from tests.fixtures.pulumi_launch import PLUGIN_SCRIPT, Launch, project_launch, upstream_script

PROVIDER_KEY = "__provider"
_START_TIMEOUT = 30.0
_ENGINE_ADDRESS = "127.0.0.1:0"  # the plugin's argument; the Python dynamic server never dials it


class ProviderCallError(Exception):
    """A gRPC call failed; `details` is the provider server's message (the provider's traceback)."""

    def __init__(self, method: str, code: grpc.StatusCode, details: str) -> None:
        self.method = method
        self.code = code
        self.details = details
        super().__init__(f"{method} failed ({code.name}):\n{details}")


class CheckFailed(Exception):
    """A step stopped at Check: the engine shows these failures and changes nothing."""

    def __init__(self, failures: list[Failure]) -> None:
        self.failures = failures
        super().__init__("; ".join(f"{f.property}: {f.reason}" for f in failures))


@dataclass
class Diff:
    changes: bool | None  # None: the provider could not tell (DIFF_UNKNOWN)
    replaces: list[str] = field(default_factory=list)
    delete_before_replace: bool = False


@dataclass
class Failure:
    property: str
    reason: str


@dataclass(frozen=True)
class State:
    """A resource as the engine records it in the checkpoint."""

    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]


@dataclass
class Step:
    """What one resource's step did: create, same, update, replace (and the calls' results)."""

    op: str
    state: State | None  # None in a preview (nothing is created or updated)
    checked: dict[str, Any]
    diff: Diff | None = None
    calls: list[str] = field(default_factory=list)


_TARGETED = Diff(True, ["id"])  # what the engine makes up for `up --replace URN` (no provider call)


class ProviderHarness:
    """One dynamic-provider plugin process and the engine's calls against it, for one provider object."""

    def __init__(
        self,
        provider: ResourceProvider,
        *,
        name: str = "test",
        urn_type: str = "pulumi-python:dynamic:Resource",
        env: dict[str, str] | None = None,
        config: dict[str, Any] | None = None,
        launch: Launch | None = None,
    ) -> None:
        self.serialized = serialize_provider(provider)
        self.urn = f"urn:pulumi:test::batch-infra::{urn_type}::{name}"
        self.urn_type = urn_type
        self.name = name
        self.launch = launch or project_launch()
        self._env = env or {}
        self._config = config or {}
        self._process: subprocess.Popen[bytes] | None = None
        self._channel: grpc.Channel | None = None
        self._stub: Any = None
        self._stderr: Any = None
        self.states: dict[str, State] = {}  # the engine's checkpoint: id -> recorded inputs and outputs

    # -- lifecycle -------------------------------------------------------------------------------------
    def start(self) -> ProviderHarness:
        env = self.launch.plugin_env({**os.environ, **self._env})
        # A file, not a pipe: nobody reads stderr while the server runs, and a full pipe would block it.
        self._stderr = tempfile.TemporaryFile()
        command = ["/bin/sh", str(upstream_script(PLUGIN_SCRIPT)), _ENGINE_ADDRESS]
        # Its own process group: the script runs python as a child, and stop() must end both.
        self._process = subprocess.Popen(
            command,
            cwd=self.launch.pwd,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            start_new_session=True,  # one process group: stop() reaches the script's python child
        )
        port = self._read_port()
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(self._channel).result(timeout=_START_TIMEOUT)
        self._stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        configure = proto.ConfigureRequest(
            args=_struct(self._config),
            acceptSecrets=True,
            acceptResources=True,
            sends_old_inputs=True,
            sends_old_inputs_to_delete=True,
        )
        if self._call("Configure", configure).acceptSecrets:
            self.stop()
            raise RuntimeError("the plugin accepts secrets; this harness models only acceptSecrets=false")
        return self

    def _read_port(self) -> int:
        assert self._process is not None and self._process.stdout is not None
        line = self._process.stdout.readline().decode().strip()
        if not line.isdigit():
            self._process.wait(timeout=_START_TIMEOUT)
            stderr = self.server_stderr()
            self.stop()
            raise RuntimeError(f"the provider plugin did not announce a port (got {line!r}):\n{stderr}")
        return int(line)

    def stop(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        process, self._process = self._process, None
        if process is not None:
            stop_process_tree(process)  # the upstream script runs python as a child, not by exec
        if process is not None and process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> ProviderHarness:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- the engine's steps ----------------------------------------------------------------------------
    def up(
        self,
        news: dict[str, Any],
        state: State | None = None,
        *,
        replace: bool = False,
        delete_before_replace: bool = False,
    ) -> Step:
        """`pulumi up` of one resource: create, same, update or replace. `replace` is `up --replace URN`
        (no Diff); `delete_before_replace` is the resource option."""
        if state is None:
            checked = self._checked(None, news)
            created, _ = self.create(checked)
            return Step("create", self.states[created], checked, calls=["Check", "Create"])
        checked = self._checked(state.inputs, news)
        if replace:  # step_generator.go ~2891: a targeted replace never asks the provider
            return self._replace(state, news, _TARGETED, delete_before_replace)
        diff = self.diff(state.id, state.outputs, checked, old_inputs=state.inputs)
        if diff.replaces:
            return self._replace(state, news, diff, delete_before_replace or diff.delete_before_replace)
        if not diff.changes:
            same = State(state.id, checked, state.outputs)
            self.states[state.id] = same
            return Step("same", same, checked, diff, ["Check", "Diff"])
        updated = self.update(state.id, state.outputs, checked, old_inputs=state.inputs)
        new_state = State(state.id, checked, updated)
        return Step("update", new_state, checked, diff, ["Check", "Diff", "Update"])

    def _replace(self, old: State, news: dict[str, Any], diff: Diff, delete_first: bool) -> Step:
        checked = self._checked(None, news)  # a replacement is checked again without olds
        diffed = ["Check"] if diff is _TARGETED else ["Check", "Diff"]
        if delete_first:
            self.delete(old.id, old.outputs)
            created_id, outputs = self.create(checked)
            calls = [*diffed, "Check", "Delete", "Create"]
        else:
            created_id, outputs = self.create(checked)
            self.delete(old.id, old.outputs)  # the old one goes after: whatever Azure object that id names
            calls = [*diffed, "Check", "Create", "Delete"]
        created = State(created_id, checked, outputs)
        self.states[created_id] = created
        return Step("replace", created, checked, diff, calls)

    def preview(self, news: dict[str, Any], state: State | None = None) -> Step:
        """`pulumi preview`: Check (unknowns allowed) and Diff; never Create or Update."""
        if state is None:
            return Step("create", None, self._checked(None, news), calls=["Check"])
        checked = self._checked(state.inputs, news)
        diff = self.diff(state.id, state.outputs, checked, old_inputs=state.inputs)
        op = "replace" if diff.replaces else ("update" if diff.changes is not False else "same")
        return Step(op, None, checked, diff, ["Check", "Diff"])

    def refresh(self, state: State) -> State | None:
        """`pulumi refresh`: Read(id, properties = old outputs, inputs = old inputs); None when gone."""
        found_id, outputs, inputs = self.read(state.id, state.outputs, state.inputs)
        if not found_id:
            self.states.pop(state.id, None)
            return None
        refreshed = State(found_id, inputs if inputs is not None else state.inputs, outputs)
        self.states[found_id] = refreshed
        return refreshed

    def destroy(self, state: State) -> None:
        self.delete(state.id, state.outputs)

    def import_(self, id_: str) -> Any:
        """`pulumi import` (or the import_ option): Read with the id alone, no inputs, no properties."""
        return self.raw_read(id_, None, None)

    def record(self, id_: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> State:
        """Put a resource in the checkpoint as an earlier `up` left it (e.g. outputs older than Azure)."""
        self.states[id_] = State(id_, inputs, outputs)
        return self.states[id_]

    def _checked(self, olds: dict[str, Any] | None, news: dict[str, Any]) -> dict[str, Any]:
        checked, failures = self.check(olds, news)
        if failures:
            raise CheckFailed(failures)
        return checked

    # -- the engine's calls ----------------------------------------------------------------------------
    def check(
        self, olds: dict[str, Any] | None, news: dict[str, Any]
    ) -> tuple[dict[str, Any], list[Failure]]:
        """Check(olds = a recorded resource's inputs, or none/{} on a create); checked inputs, failures."""
        if olds and not any(_same(olds, s.inputs) for s in self.states.values()):
            raise AssertionError(
                "Check olds must be the recorded inputs of a resource (the engine sends old inputs, never "
                "outputs or hand-made values); use the inputs of the State the step returned"
            )
        request = proto.CheckRequest(
            urn=self.urn,
            olds=self._props(olds or {}, provider=bool(olds)),
            news=self._props(news),
            type=self.urn_type,
            name=self.name,
        )
        response = self._call("Check", request)
        failures = [Failure(f.property, f.reason) for f in response.failures]
        return _annotate(_plain(response.inputs), news), failures

    def diff(
        self,
        id_: str,
        olds: dict[str, Any],
        news: dict[str, Any],
        *,
        old_inputs: dict[str, Any] | None = None,
    ) -> Diff:
        """Diff(olds = the old outputs, old_inputs = the recorded inputs, news = the checked inputs)."""
        request = proto.DiffRequest(
            id=id_,
            urn=self.urn,
            olds=self._props(olds),
            old_inputs=self._props(self._recorded_inputs(id_, old_inputs)),
            news=self._props(news),
            type=self.urn_type,
            name=self.name,
        )
        response = self._call("Diff", request)
        known = {proto.DiffResponse.DIFF_SOME: True, proto.DiffResponse.DIFF_NONE: False}
        changes = known.get(response.changes)
        return Diff(changes, list(response.replaces), response.deleteBeforeReplace)

    def create(self, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Create(properties = the checked inputs); the id and outputs, recorded as the new state."""
        request = proto.CreateRequest(
            urn=self.urn, properties=self._props(inputs), type=self.urn_type, name=self.name
        )
        response = self._call("Create", request)
        outputs = _annotate(_plain(response.properties), inputs)
        self.states[response.id] = State(response.id, inputs, outputs)
        return response.id, outputs

    def read(
        self, id_: str, props: dict[str, Any], inputs: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
        """Refresh: properties = the old outputs, inputs = the old inputs (default: the recorded ones)."""
        old_inputs = self._recorded_inputs(id_, inputs)
        response = self.raw_read(id_, props, old_inputs)
        new_inputs = _plain(response.inputs) if response.HasField("inputs") else None
        outputs = _annotate(_plain(response.properties), props)
        if new_inputs is not None:
            new_inputs = _annotate(new_inputs, old_inputs)
        if response.id:
            self.states[response.id] = State(response.id, new_inputs or old_inputs, outputs)
        else:
            self.states.pop(id_, None)
        return response.id, outputs, new_inputs

    def raw_read(self, id_: str, props: dict[str, Any] | None, inputs: dict[str, Any] | None) -> Any:
        """A Read with exactly these fields (see the module doc for when the engine sends which)."""
        request = proto.ReadRequest(
            id=id_,
            urn=self.urn,
            type=self.urn_type,
            name=self.name,
            properties=self._props(props) if props is not None else None,
            inputs=self._props(inputs) if inputs is not None else None,
        )
        return self._call("Read", request)

    def update(
        self,
        id_: str,
        olds: dict[str, Any],
        news: dict[str, Any],
        *,
        old_inputs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Update(olds = the old outputs, old_inputs, news = the checked inputs); the new outputs."""
        request = proto.UpdateRequest(
            id=id_,
            urn=self.urn,
            olds=self._props(olds),
            old_inputs=self._props(self._recorded_inputs(id_, old_inputs)),
            news=self._props(news),
            type=self.urn_type,
            name=self.name,
        )
        outputs = _annotate(_plain(self._call("Update", request).properties), news)
        self.states[id_] = State(id_, news, outputs)
        return outputs

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        request = proto.DeleteRequest(
            id=id_, urn=self.urn, properties=self._props(props), type=self.urn_type, name=self.name
        )
        self._call("Delete", request)
        self.states.pop(id_, None)

    # -- plumbing --------------------------------------------------------------------------------------
    def _recorded_inputs(self, id_: str, given: dict[str, Any] | None) -> dict[str, Any]:
        if given is not None:
            return given
        return self.states[id_].inputs if id_ in self.states else {}

    def _props(self, values: dict[str, Any], *, provider: bool = True) -> Any:
        clean = {k: _wire(v) for k, v in strip_secrets(values).items() if k != PROVIDER_KEY}
        if provider:
            clean[PROVIDER_KEY] = self.serialized
        return _struct(clean)

    def _call(self, method: str, request: Any) -> Any:
        if self._stub is None:
            raise RuntimeError("the provider server is not started; use `with ProviderHarness(...)`")
        try:
            return getattr(self._stub, method)(request, timeout=300)
        except grpc.RpcError as err:
            raise ProviderCallError(method, err.code(), err.details() or "") from None

    def server_stderr(self) -> str:
        """What the server has printed to stderr so far."""
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")


def _wire(value: Any) -> Any:
    """The engine's wire form: an unknown is its sentinel string."""
    if value is UNKNOWN:
        return UNKNOWN_GUID
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


def _annotate(outputs: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    """annotateSecrets (provider_plugin.go): an output named like a secret input is secret too."""
    marked = dict(outputs)
    for key, value in inputs.items():
        if key not in marked or isinstance(marked[key], Secret):
            continue
        if isinstance(value, dict) and isinstance(marked[key], dict):
            marked[key] = _annotate(marked[key], value)
        elif _has_secret(value):
            marked[key] = Secret(marked[key])
    return marked


def _has_secret(value: Any) -> bool:
    if isinstance(value, Secret):
        return True
    if isinstance(value, dict):
        return any(_has_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secret(v) for v in value)
    return False


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    strip = {PROVIDER_KEY}
    return {k: v for k, v in strip_secrets(a).items() if k not in strip} == {
        k: v for k, v in strip_secrets(b).items() if k not in strip
    }


def _struct(values: dict[str, Any]) -> Any:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(values, {}))
    finally:
        loop.close()


def _plain(struct: Any) -> dict[str, Any]:
    values = _unknowns_marked(rpc.deserialize_properties(struct, keep_unknowns=True))
    values.pop(PROVIDER_KEY, None)
    return values


def _unknowns_marked(value: Any) -> Any:
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: _unknowns_marked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unknowns_marked(v) for v in value]
    return value
