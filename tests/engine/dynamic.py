"""The dynamic-provider plugin started as the engine starts it (Pulumi's own script), as a provider."""

from __future__ import annotations

import subprocess
import threading
from typing import Any

import grpc
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

from tests.engine.process_tree import kill_process_tree, stop_process_tree
from tests.engine.project import DYNAMIC_PLUGIN, Project, upstream_dir
from tests.engine.resource_provider import CheckFailure, DiffResult, ProviderError, ReadResult
from tests.engine.values import contains_unknowns
from tests.engine.wire import decode_properties, for_provider

_START_TIMEOUT = 60.0


class DynamicProviderPlugin:
    """`pulumi-resource-pulumi-python <engine>` in the program's pwd; one process for all dynamic types."""

    def __init__(self, project: Project, engine_address: str, environ: dict[str, str]) -> None:
        self.project = project
        self.engine_address = engine_address
        self.environ = environ  # the user's environment the CLI runs in
        self._process: subprocess.Popen[bytes] | None = None
        self._stub: provider_pb2_grpc.ResourceProviderStub | None = None
        self._lock = threading.Lock()
        self._stderr: list[str] = []

    def environment(self) -> dict[str, str]:
        """The engine's env for plugins plus provider_plugin.go ~249: PULUMI_RUNTIME_<KEY>, PULUMI_PROJECT."""
        env = dict(self.environ)
        for key, value in self.project.runtime_options.items():
            env[f"PULUMI_RUNTIME_{key.upper()}"] = (
                str(value).lower() if isinstance(value, bool) else str(value)
            )
        env["PULUMI_PROJECT"] = self.project.name
        # The provider's own package config (`pulumi-python:*`): none in this project.
        env["PULUMI_CONFIG"] = "{}"
        return env

    def stub(self) -> provider_pb2_grpc.ResourceProviderStub:
        with self._lock:
            if self._stub is None:
                self._stub = self._start()
            return self._stub

    def _start(self) -> provider_pb2_grpc.ResourceProviderStub:
        script = upstream_dir() / DYNAMIC_PLUGIN
        pwd, _ = self.project.pwd_and_program()  # plugin.go ~599: cmd.Dir = ctx.Pwd
        self._process = subprocess.Popen(
            ["/bin/sh", str(script), self.engine_address],
            cwd=pwd,
            env=self.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        line = self._process.stdout.readline().decode().strip()  # type: ignore[union-attr]
        if not line.isdigit():
            self._process.wait(timeout=_START_TIMEOUT)
            raise ProviderError(
                f"could not start the dynamic provider plugin {script} in {pwd} "
                f"(exit {self._process.returncode}): {line} {''.join(self._stderr)[-3000:]}"
            )
        channel = grpc.insecure_channel(f"127.0.0.1:{line}")
        grpc.channel_ready_future(channel).result(timeout=_START_TIMEOUT)
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        # Configure as host.go / provider_plugin.go do; the dynamic server answers acceptSecrets=false.
        response = stub.Configure(
            provider_pb2.ConfigureRequest(
                acceptSecrets=True,
                acceptResources=True,
                sends_old_inputs=True,
                sends_old_inputs_to_delete=True,
            )
        )
        if response.acceptSecrets:
            raise ProviderError(
                "the dynamic provider unexpectedly accepts secrets: the engine would send them"
            )
        return stub

    def _drain_stderr(self) -> None:
        for raw in self._process.stderr:  # type: ignore[union-attr]
            self._stderr.append(raw.decode(errors="replace"))

    def stderr(self) -> str:
        return "".join(self._stderr)

    def stop(self) -> None:
        """Ends the whole process group: the script runs python as its child (no exec), so killing the
        shell alone would leave the provider server running."""
        process, self._process = self._process, None
        if process is None:
            return
        stop_process_tree(process)  # the sh script's python child too

    def kill(self) -> bool:
        """SIGKILL the plugin's whole process tree mid-call, as a crash would; False when none runs.
        The engine then sees its calls fail; stop() afterwards only reaps what is left."""
        process = self._process
        if process is None or process.poll() is not None:
            return False
        kill_process_tree(process)
        return True

    def plugin_info(self) -> plugin_pb2.PluginInfo:
        return self.stub().GetPluginInfo(plugin_pb2.PluginInfo())


def _call(plugin: DynamicProviderPlugin, op: str, urn: str, type_token: str, fn: Any) -> Any:
    try:
        return fn(plugin.stub())
    except grpc.RpcError as err:
        raise ProviderError(err.details() or str(err)) from None


class DynamicProvider:
    """ResourceProvider over the plugin: the requests provider_plugin.go sends, unknowns as the GUID."""

    def __init__(self, plugin: DynamicProviderPlugin) -> None:
        self.plugin = plugin

    def check(self, urn, type_token, olds, news):  # noqa: ANN001, ANN201 - the protocol's signature
        request = provider_pb2.CheckRequest(
            urn=urn,
            type=type_token,
            name=urn.rsplit("::", 1)[-1],
            olds=for_provider(olds or {}),
            news=for_provider(news),
        )
        response = _call(self.plugin, "check", urn, type_token, lambda s: s.Check(request))
        failures = [CheckFailure(f.property, f.reason) for f in response.failures]
        return decode_properties(response.inputs).values, failures

    def diff(self, urn, type_token, id, old_outputs, old_inputs, news):  # noqa: A002, ANN001, ANN201
        request = provider_pb2.DiffRequest(
            urn=urn,
            type=type_token,
            name=urn.rsplit("::", 1)[-1],
            id=id,
            olds=for_provider(old_outputs),
            old_inputs=for_provider(old_inputs),
            news=for_provider(news),
        )
        response = _call(self.plugin, "diff", urn, type_token, lambda s: s.Diff(request))
        changes = {
            provider_pb2.DiffResponse.DIFF_SOME: True,
            provider_pb2.DiffResponse.DIFF_NONE: False,
        }.get(response.changes)
        return DiffResult(
            changes=changes,
            replaces=list(response.replaces),
            delete_before_replace=response.deleteBeforeReplace,
            diffs=list(response.diffs),
        )

    def create(self, urn, type_token, inputs, preview):  # noqa: ANN001, ANN201
        if preview:
            # provider_plugin.go ~1433: no supportsPreview, so the planned outputs are the checked inputs.
            return None, dict(inputs)
        if contains_unknowns(inputs):
            raise ProviderError(f"{urn}: cannot create with unknown inputs outside a preview (engine bug)")
        request = provider_pb2.CreateRequest(
            urn=urn, type=type_token, name=urn.rsplit("::", 1)[-1], properties=for_provider(inputs)
        )
        response = _call(self.plugin, "create", urn, type_token, lambda s: s.Create(request))
        return response.id, decode_properties(response.properties).values

    def update(self, urn, type_token, id, old_outputs, old_inputs, news, preview):  # noqa: A002, ANN001, ANN201
        if preview:
            return dict(news)
        request = provider_pb2.UpdateRequest(
            urn=urn,
            type=type_token,
            name=urn.rsplit("::", 1)[-1],
            id=id,
            olds=for_provider(old_outputs),
            old_inputs=for_provider(old_inputs),
            news=for_provider(news),
        )
        response = _call(self.plugin, "update", urn, type_token, lambda s: s.Update(request))
        return decode_properties(response.properties).values

    def read(self, urn, type_token, id, inputs, state):  # noqa: A002, ANN001, ANN201
        request = provider_pb2.ReadRequest(
            urn=urn,
            type=type_token,
            name=urn.rsplit("::", 1)[-1],
            id=id,
            properties=for_provider(state) if state is not None else None,
            inputs=for_provider(inputs) if inputs is not None else None,
        )
        response = _call(self.plugin, "read", urn, type_token, lambda s: s.Read(request))
        if not response.id:
            return None
        outputs = decode_properties(response.properties).values
        read_inputs = decode_properties(response.inputs).values if response.HasField("inputs") else None
        return ReadResult(id=response.id, outputs=outputs, inputs=read_inputs)

    def delete(self, urn, type_token, id, outputs):  # noqa: A002, ANN001, ANN201
        request = provider_pb2.DeleteRequest(
            urn=urn, type=type_token, name=urn.rsplit("::", 1)[-1], id=id, properties=for_provider(outputs)
        )
        _call(self.plugin, "delete", urn, type_token, lambda s: s.Delete(request))
