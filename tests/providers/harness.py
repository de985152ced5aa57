"""Drive a dynamic provider the way the Pulumi engine does: the SDK's own provider server over gRPC.

`python -m pulumi.dynamic` is started as a subprocess (it prints its port on stdout), and the engine's
calls are made with `pulumi.runtime.proto`: Configure, then Check, Diff, Create, Read, Update, Delete.
The provider travels as the engine stores it: `__provider` = `pulumi.dynamic.serialize_provider(...)`
(dill, base64), so the server deserializes exactly the bytes that would sit in the stack's state.

Usage::

    from tests.providers.harness import ProviderHarness

    def test_create(emulator_env):                     # env for the server: the emulator's ready file
        with ProviderHarness(MyProvider(), urn_type="pulumi-python:dynamic/pool:Pool") as provider:
            inputs, failures = provider.check({}, {"name": "x"})
            assert failures == []
            pool_id, outs = provider.create(inputs)
            diff = provider.diff(pool_id, outs, inputs)
            assert not diff.changes
            provider.delete(pool_id, outs)

Errors raised inside the provider come back as `ProviderCallError` carrying the server's traceback text,
so tests can assert on the provider's own message. The server inherits `os.environ` (plus `env=`) when it
starts, so fixtures that set environment variables (e.g. `emulator_env`) must run before `start()`.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import grpc
from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import proto, rpc
from pulumi.runtime.proto import provider_pb2_grpc

PROVIDER_KEY = "__provider"
_START_TIMEOUT = 30.0


class ProviderCallError(Exception):
    """A gRPC call failed; `details` is the provider server's message (the provider's traceback)."""

    def __init__(self, method: str, code: grpc.StatusCode, details: str) -> None:
        self.method = method
        self.code = code
        self.details = details
        super().__init__(f"{method} failed ({code.name}):\n{details}")


@dataclass
class Diff:
    changes: bool | None  # None: the provider could not tell (DIFF_UNKNOWN)
    replaces: list[str] = field(default_factory=list)
    delete_before_replace: bool = False


@dataclass
class Failure:
    property: str
    reason: str


class ProviderHarness:
    """One `python -m pulumi.dynamic` server and the engine's calls against it, for one provider object."""

    def __init__(self, provider: ResourceProvider, *, name: str = "test",
                 urn_type: str = "pulumi-python:dynamic:Resource", env: dict[str, str] | None = None,
                 config: dict[str, Any] | None = None) -> None:
        self.serialized = serialize_provider(provider)
        self.urn = f"urn:pulumi:test::batch-infra::{urn_type}::{name}"
        self.urn_type = urn_type
        self.name = name
        self._env = env or {}
        self._config = config or {}
        self._process: subprocess.Popen[bytes] | None = None
        self._channel: grpc.Channel | None = None
        self._stub: Any = None
        self._stderr: Any = None

    # -- lifecycle -------------------------------------------------------------------------------------
    def start(self) -> ProviderHarness:
        env = {**os.environ, **self._env}
        # A file, not a pipe: nobody reads stderr while the server runs, and a full pipe would block it.
        self._stderr = tempfile.TemporaryFile()
        self._process = subprocess.Popen([sys.executable, "-m", "pulumi.dynamic"], stdout=subprocess.PIPE,
                                         stderr=self._stderr, env=env)
        port = self._read_port()
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(self._channel).result(timeout=_START_TIMEOUT)
        self._stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        self._call("Configure", proto.ConfigureRequest(args=_struct(self._config), acceptSecrets=False))
        return self

    def _read_port(self) -> int:
        assert self._process is not None and self._process.stdout is not None
        line = self._process.stdout.readline().decode().strip()
        if not line.isdigit():
            self.stop()
            raise RuntimeError(f"python -m pulumi.dynamic did not announce a port (got {line!r})")
        return int(line)

    def stop(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if process is not None and process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> ProviderHarness:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- the engine's calls ----------------------------------------------------------------------------
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> tuple[dict[str, Any], list[Failure]]:
        """Returns the checked inputs (without `__provider`) and the failures."""
        request = proto.CheckRequest(urn=self.urn, olds=self._props(olds, provider=bool(olds)),
                                     news=self._props(news), type=self.urn_type, name=self.name)
        response = self._call("Check", request)
        failures = [Failure(f.property, f.reason) for f in response.failures]
        return _plain(response.inputs), failures

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> Diff:
        request = proto.DiffRequest(id=id_, urn=self.urn, olds=self._props(olds), news=self._props(news),
                                    type=self.urn_type, name=self.name)
        response = self._call("Diff", request)
        known = {proto.DiffResponse.DIFF_SOME: True, proto.DiffResponse.DIFF_NONE: False}
        changes = known.get(response.changes)
        return Diff(changes, list(response.replaces), response.deleteBeforeReplace)

    def create(self, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        request = proto.CreateRequest(urn=self.urn, properties=self._props(inputs), type=self.urn_type,
                                      name=self.name)
        response = self._call("Create", request)
        return response.id, _plain(response.properties)

    def read(self, id_: str, props: dict[str, Any] | None,
             inputs: dict[str, Any] | None = None) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
        """`props` are the prior outputs (refresh); pass `props=None, inputs=...` for an import."""
        request = proto.ReadRequest(id=id_, urn=self.urn, type=self.urn_type, name=self.name,
                                    properties=self._props(props) if props is not None else None,
                                    inputs=self._props(inputs) if inputs is not None else None)
        response = self._call("Read", request)
        new_inputs = _plain(response.inputs) if response.HasField("inputs") else None
        return response.id, _plain(response.properties), new_inputs

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        request = proto.UpdateRequest(id=id_, urn=self.urn, olds=self._props(olds), news=self._props(news),
                                      type=self.urn_type, name=self.name)
        return _plain(self._call("Update", request).properties)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        request = proto.DeleteRequest(id=id_, urn=self.urn, properties=self._props(props), type=self.urn_type,
                                      name=self.name)
        self._call("Delete", request)

    # -- plumbing --------------------------------------------------------------------------------------
    def _props(self, values: dict[str, Any], *, provider: bool = True) -> Any:
        clean = {k: v for k, v in values.items() if k != PROVIDER_KEY}
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


def _struct(values: dict[str, Any]) -> Any:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(values, {}))
    finally:
        loop.close()


def _plain(struct: Any) -> dict[str, Any]:
    values = rpc.deserialize_properties(struct)
    values.pop(PROVIDER_KEY, None)
    return values
