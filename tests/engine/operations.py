"""The CLI's commands over one stack: preview, up, refresh, destroy, import (pkg/engine/update.go & co)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from tests.engine.dynamic import DynamicProvider, DynamicProviderPlugin
from tests.engine.language_host import ORGANIZATION, PARALLEL, run_program
from tests.engine.monitor import Diagnostics, Engine, ResourceMonitor, RunInfo, Servers
from tests.engine.project import Project, ProjectError
from tests.engine.resource_provider import ProviderError, ResourceProvider
from tests.engine.result import Result
from tests.engine.stack_config import ConfigError, config_set, load_stack_config
from tests.engine.state import STACK_TYPE, Checkpoint, ResourceState, delete_order
from tests.engine.steps import Deployment, Goal, Step, StepError, package_of
from tests.engine.values import strip_secrets
from tests.engine.wire import annotate_secrets

EMULATOR_ENV = "BATCH_INFRA_EMULATOR"  # batch_infra/providers/azure_clients.py reads it
PROGRAM_TIMEOUT = 1800.0


class RecordingProvider:
    """Logs every call a provider gets (op, type, urn), for the result's `requests`."""

    def __init__(self, package: str, inner: ResourceProvider, calls: list[dict[str, Any]]) -> None:
        self.package, self.inner, self.calls = package, inner, calls

    def __getattr__(self, op: str) -> Any:
        method = getattr(self.inner, op)

        def call(urn: str, type_token: str, *args: Any) -> Any:
            self.calls.append({"provider": self.package, "op": op, "urn": urn, "type": type_token})
            return method(urn, type_token, *args)

        return call


class Stack:
    """One stack of a project on disk, with its checkpoint under state_dir (`pulumi login file://...`)."""

    def __init__(
        self,
        root: Path | str,
        stack: str,
        *,
        state_dir: Path | str,
        emulator: Path | str | None = None,
        env: dict[str, str] | None = None,
        native: ResourceProvider | None = None,
    ) -> None:
        self.project = Project.load(root)
        self.name = stack
        self.checkpoint = Checkpoint(Path(state_dir), self.project.name, stack)
        self.emulator = Path(emulator) if emulator else None
        self.environ = dict(os.environ) | (env or {})
        if self.emulator:
            self.environ[EMULATOR_ENV] = str(self.emulator)
        self._native = native
        self.plugin: DynamicProviderPlugin | None = None  # the running command's plugin (crash tests kill it)

    # -- providers ------------------------------------------------------------------------------------
    def _providers(self, engine_address: str, calls: list) -> tuple[dict[str, Any], DynamicProviderPlugin]:
        plugin = DynamicProviderPlugin(self.project, engine_address, self.environ)
        self.plugin = plugin
        providers: dict[str, Any] = {
            "pulumi-python": RecordingProvider("pulumi-python", DynamicProvider(plugin), calls)
        }
        native = self._native or self._native_from_emulator()
        if native is not None:
            providers["azure-native"] = RecordingProvider("azure-native", native, calls)
        return providers, plugin

    def _native_from_emulator(self) -> ResourceProvider | None:
        if self.emulator is None:
            return None
        try:
            from tests.engine.azure_native import AzureNativeProvider  # noqa: PLC0415 - lands with `native`
        except ImportError as err:
            raise ProjectError(f"azure-native resources need tests/engine/azure_native ({err})") from None
        return AzureNativeProvider.from_ready_file(self.emulator)

    # -- commands -------------------------------------------------------------------------------------
    def config_set(self, key: str, value: str, *, secret: bool = False, path: bool = False) -> None:
        config_set(
            self.project.stack_config_dir,
            self.name,
            key,
            value,
            project=self.project.name,
            secret=secret,
            path=path,
        )

    def state(self) -> list[ResourceState]:
        return self.checkpoint.load()

    def preview(self, *, expect_no_changes: bool = False, replace: list[str] | None = None) -> Result:
        result = self._update("preview", preview=True, replace=replace or [])
        if result.ok and expect_no_changes and any(s.op not in ("same", "read") for s in result.steps):
            result.ok, result.error = False, "no changes were expected but changes were proposed"
        return result

    def up(self, *, replace: list[str] | None = None) -> Result:
        return self._update("up", preview=False, replace=replace or [])

    def _update(self, command: str, *, preview: bool, replace: list[str]) -> Result:
        started = time.monotonic()
        result = Result(command=command, stack=self.name, preview=preview)
        diagnostics = Diagnostics()
        olds = self.checkpoint.load()
        unknown_targets = [u for u in replace if u not in {s.urn for s in olds}]
        try:
            if unknown_targets:
                raise StepError("", f"--replace {unknown_targets[0]}: no such resource in the stack's state")
            config = load_stack_config(self.project.stack_config_dir, self.name)
        except (ConfigError, StepError) as err:
            return self._finish(result, diagnostics, started, str(err))
        calls: list[dict[str, Any]] = []
        result.requests = calls
        deployment: Deployment | None = None
        plugin = None
        servers = Servers()
        try:
            providers, plugin = self._providers(servers.address, calls)
            deployment = Deployment(
                project=self.project.name,
                stack=self.name,
                olds=olds,
                providers=providers,
                preview=preview,
                target_replace=set(replace),
            )
            info = RunInfo(
                self.project.name,
                self.name,
                ORGANIZATION,
                {k: v.text for k, v in config.items()},
                sorted(k for k, v in config.items() if v.secret),
                preview,
                PARALLEL,
            )
            servers.serve(ResourceMonitor(deployment, info, diagnostics), Engine(diagnostics))
            try:
                run = run_program(
                    self.project, self.name, config, servers.address, preview, self.environ, PROGRAM_TIMEOUT
                )
            finally:
                servers.stop()
            _program_output(diagnostics, run.stdout, run.stderr)
            if run.exit_code != 0:
                raise StepError("", f"Program exited with non-zero exit code: {run.exit_code}")
            result.steps.extend(deployment.steps)
            self._delete(deployment.vanished(), providers, preview, result, diagnostics, deployment)
            error = ""
        except (StepError, ProjectError, ProviderError) as err:
            if deployment is not None:
                result.steps = list(deployment.steps)
            error = str(err) or "update failed"
            if getattr(err, "urn", "") or not any(d["severity"] == "error" for d in diagnostics.entries):
                diagnostics.add("error", error, getattr(err, "urn", ""))
        finally:
            if plugin is not None:
                plugin.stop()
                _program_output(diagnostics, "", plugin.stderr())  # plugin.go: a plugin's stderr is shown
        if deployment is not None:
            result.outputs = next((s.outputs for s in deployment.news.values() if s.type == STACK_TYPE), {})
            if not preview:
                self.checkpoint.save(self._snapshot(deployment, result))
        return self._finish(result, diagnostics, started, error)

    def _delete(
        self,
        doomed: list[ResourceState],
        providers: dict[str, Any],
        preview: bool,
        result: Result,
        diagnostics: Diagnostics,
        deployment: Deployment | None = None,
    ) -> None:
        """Deletes in reverse dependency order; protect refuses, retainOnDelete drops without Delete."""
        for old in delete_order(doomed):
            if old.type.startswith("pulumi:providers:"):
                _forget(deployment, old)
                continue
            if old.protect:
                raise StepError(
                    old.urn,
                    f'unable to delete resource "{old.urn}"\nas it is currently marked for '
                    "protection. To unprotect the resource, either remove the `protect` flag "
                    "from the resource in your Pulumi program and run `pulumi up`, or use the "
                    f'command:\n`pulumi state unprotect "{old.urn}"`',
                )
            replaced = deployment is not None and any(old is r for r in deployment.replaced_olds)
            op = "delete-replaced" if replaced else "discard" if old.external else "delete"
            step = Step(op, old.urn, old.type, old.name)
            if not preview and old.custom and not old.external and not old.retain_on_delete:
                provider = providers.get(package_of(old.type))
                if provider is None:
                    raise StepError(old.urn, f"no provider for {old.type} to delete it with")
                provider.delete(old.urn, old.type, old.id, strip_secrets(old.outputs))
            result.steps.append(step)
            _forget(deployment, old)

    def _snapshot(self, deployment: Deployment, result: Result) -> list[ResourceState]:
        kept = list(deployment.news.values())
        deleted = {s.urn for s in result.steps if s.op in ("delete", "discard")} | deployment.deleted_olds
        for urn, old in deployment.olds.items():
            if urn not in deployment.news and urn not in deployment.aliased and urn not in deleted:
                kept.append(old)
        for old in deployment.replaced_olds:
            if id(old) not in deployment.done_replaced:
                old.pending_delete = True
                kept.append(old)
        return kept

    def refresh(self) -> Result:
        """Read(id, inputs = old inputs, state = old outputs) for every managed resource (step.go ~1580)."""
        return self._without_program("refresh", self._refresh_one)

    def _refresh_one(
        self, old: ResourceState, providers: dict[str, Any], result: Result
    ) -> ResourceState | None:
        if not old.custom or old.type.startswith("pulumi:providers:"):
            return old
        read = providers[package_of(old.type)].read(
            old.urn, old.type, old.id, strip_secrets(old.inputs), strip_secrets(old.outputs)
        )
        if read is None:
            result.steps.append(Step("delete", old.urn, old.type, old.name))
            return None
        outputs = annotate_secrets(read.outputs, old.outputs)
        changed = sorted(
            k
            for k in set(outputs) | set(old.outputs)
            if strip_secrets(outputs.get(k)) != strip_secrets(old.outputs.get(k))
        )
        result.steps.append(Step("update" if changed else "same", old.urn, old.type, old.name, diffs=changed))
        old.id, old.outputs = read.id, outputs
        if read.inputs is not None:
            old.inputs = annotate_secrets(read.inputs, old.inputs)
        return old

    def destroy(self) -> Result:
        def keep_none(old: ResourceState, providers: dict[str, Any], result: Result) -> ResourceState | None:
            return old

        return self._without_program("destroy", keep_none, destroy=True)

    def import_resource(self, type_token: str, name: str, resource_id: str) -> Result:
        """`pulumi import TYPE NAME ID`: Read(id) with no inputs and no state (step.go ~2037), then Check."""

        def add(
            olds: list[ResourceState], providers: dict[str, Any], result: Result, diagnostics: Diagnostics
        ) -> list[ResourceState]:
            stack = next((s for s in olds if s.type == STACK_TYPE), None)
            deployment = Deployment(
                project=self.project.name, stack=self.name, olds=olds, providers=providers, preview=False
            )
            goal = Goal(
                type=type_token,
                name=name,
                custom=True,
                parent=stack.urn if stack else "",
                inputs={},
                dependencies=[],
                property_dependencies={},
            )
            urn = deployment.urn_for(goal)
            provider, ref = deployment.provider_for(urn, type_token, "")
            read = provider.read(urn, type_token, resource_id, None, None)
            if read is None:
                raise StepError(urn, f"resource '{resource_id}' does not exist")
            # step.go ~2177: Check(olds = news = the read inputs); failures are shown, the import stands.
            checked, failures = provider.check(urn, type_token, read.inputs or {}, read.inputs or {})
            for failure in failures:
                diagnostics.add("warning", f"{failure.property}: {failure.reason} (a provider bug)", urn)
            result.steps.append(Step("import", urn, type_token, name))
            state = ResourceState(
                urn=urn,
                type=type_token,
                custom=True,
                id=read.id,
                inputs=checked,
                outputs=read.outputs,
                parent=goal.parent,
                provider=ref,
            )
            return (
                olds + [s for s in deployment.news.values() if s.urn not in {o.urn for o in olds}] + [state]
            )

        return self._without_program("import", None, importer=add)

    def _without_program(
        self, command: str, each: Any, *, destroy: bool = False, importer: Any = None
    ) -> Result:
        started = time.monotonic()
        result = Result(command=command, stack=self.name, preview=False)
        diagnostics = Diagnostics()
        calls: list[dict[str, Any]] = []
        result.requests = calls
        olds = self.checkpoint.load()
        remaining = list(olds)
        error, plugin = "", None
        try:
            providers, plugin = self._providers("127.0.0.1:0", calls)
            if importer is not None:
                remaining = importer(olds, providers, result, diagnostics)
            elif destroy:
                remaining = []
                self._delete(olds, providers, False, result, diagnostics)
            else:
                remaining = [s for s in (each(old, providers, result) for old in olds) if s is not None]
        except (StepError, ProviderError, ProjectError) as err:
            error = str(err)
            diagnostics.add("error", error, getattr(err, "urn", ""))
            if destroy:
                gone = {s.urn for s in result.steps}
                remaining = [s for s in olds if s.urn not in gone]
        finally:
            if plugin is not None:
                plugin.stop()
        self.checkpoint.save(remaining)
        stack = next((s for s in remaining if s.type == STACK_TYPE), None)
        result.outputs = stack.outputs if stack else {}
        return self._finish(result, diagnostics, started, error)

    def _finish(self, result: Result, diagnostics: Diagnostics, started: float, error: str) -> Result:
        result.diagnostics = diagnostics.entries
        result.ok = not error and not result.errors()
        # Pulumi prints each resource's error, then the program's exit: the message carries both.
        messages = [d["message"] for d in result.errors() if d["urn"]] + ([error] if error else [])
        result.error = "\n".join(dict.fromkeys(messages)) or "; ".join(d["message"] for d in result.errors())
        result.seconds = time.monotonic() - started
        return result


def _forget(deployment: Deployment | None, old: ResourceState) -> None:
    if deployment is not None:
        deployment.done_replaced.add(id(old))


def _program_output(diagnostics: Diagnostics, stdout: str, stderr: str) -> None:
    """The engine shows the program's stdout as info and its stderr as info-error lines."""
    for line in stdout.splitlines():
        diagnostics.add("info", line)
    for line in stderr.splitlines():
        diagnostics.add("info#err", line)
