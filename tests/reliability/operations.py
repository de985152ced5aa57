"""The provider operations the fault and crash matrices exercise, each with its setup, re-run and check.

Re-runs follow what the engine does after a failed step: a failed create left no state (create again from
the config), a failed update or delete left the old outputs (update or delete again from them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    from batch_infra import package_content
except ImportError:  # before its rename from packaging: the benchmark's "before" figures run older trees
    from batch_infra import packaging as package_content  # type: ignore[no-redef]
from batch_infra.components.packages import planned_zip_sha256
from batch_infra.providers import azure_clients
from batch_infra.providers.app_package import ApplicationPackageProvider
from tests.providers.harness import ProviderHarness
from tests.providers.pool_support import ACCOUNT, RG, harness, inputs_for, make_account, pool_path

PACKAGE_URN = "pulumi-python:dynamic/app_package:ApplicationPackage"
STORAGE = "relystore"
FAST_RETRIES = {
    "BATCH_INFRA_RETRY_BASE_SECONDS": "0.05",
    "BATCH_INFRA_RETRY_MAX_WAIT_SECONDS": "2",
    "BATCH_INFRA_UPLOAD_RETRY_SCALE": "0.01",
}


@dataclass
class Env:
    emulator: Any
    workdir: Path
    providers: dict[str, ProviderHarness] = field(default_factory=dict)
    endpoint: str = ""

    def harness(self, kind: str) -> ProviderHarness:
        """A new (not started) provider server of this kind."""
        if kind == "pool":
            provider = harness(self.emulator)
        else:
            env = {
                azure_clients.EMULATOR_ENV: str(self.emulator.ready_file),
                azure_clients.POLLING_ENV: "0",
            }
            provider = ProviderHarness(
                ApplicationPackageProvider(), urn_type=PACKAGE_URN, name="pkg", env=env
            )
        provider._env.update(FAST_RETRIES)  # noqa: SLF001 - the servers' environment, before start()
        return provider


def environment(emulator: Any, workdir: Path) -> Env:
    env = Env(emulator, workdir)
    env.providers = {kind: env.harness(kind).start() for kind in ("pool", "package")}
    return env


@dataclass
class State:
    inputs: dict[str, Any] = field(default_factory=dict)
    news: dict[str, Any] = field(default_factory=dict)
    id: str = ""
    outputs: dict[str, Any] | None = None
    old_outputs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    name: str
    kind: str  # which provider: pool or package
    path: str  # regex of the requests faults apply to
    prepare: Callable[[Env], State]
    run: Callable[[Env, ProviderHarness, State], dict[str, Any] | None]
    verify: Callable[[Env, State], list[str]]
    rerun_run: Callable[[Env, ProviderHarness, State], dict[str, Any] | None] | None = None

    def rerun(self, env: Env, provider: ProviderHarness, state: State) -> dict[str, Any] | None:
        return (self.rerun_run or self.run)(env, provider, state)


# -- pools --------------------------------------------------------------------------------------------
def _fresh_account(env: Env) -> None:
    env.emulator.reset()
    env.emulator.settings(allocation_delay_seconds=0.05)
    env.endpoint = make_account(env.emulator)


def _pool_config(env: Env, nodes: int, **extra: Any) -> dict[str, Any]:
    return inputs_for(env.emulator, env.endpoint, scale={"targetDedicatedNodes": nodes}, **extra)


def _prepare_empty(env: Env) -> State:
    _fresh_account(env)
    return State(news=_pool_config(env, 2))


def _prepare_pool(env: Env) -> State:
    _fresh_account(env)
    provider = env.providers["pool"]
    checked, failures = provider.check({}, _pool_config(env, 1))
    assert not failures, failures
    pool_id, outs = provider.create(checked)
    news, _ = provider.check(checked, _pool_config(env, 2, metadata={"owner": "render-team"}))
    env.emulator.clear_requests()
    return State(inputs=checked, news=news, id=pool_id, old_outputs=outs)


def _create_pool(env: Env, provider: ProviderHarness, state: State) -> dict[str, Any]:
    checked, failures = provider.check({}, state.news)
    assert not failures, failures
    state.id, outs = provider.create(checked)
    return outs


def _update_pool(env: Env, provider: ProviderHarness, state: State) -> dict[str, Any]:
    return provider.update(state.id, state.old_outputs, state.news)


def _delete_pool(env: Env, provider: ProviderHarness, state: State) -> None:
    provider.delete(state.id, state.old_outputs)
    return None


def _read_pool(env: Env, provider: ProviderHarness, state: State) -> dict[str, Any]:
    _, outs, _ = provider.read(state.id, state.old_outputs)
    return outs


def _azure_pools(env: Env) -> list[dict[str, Any]]:
    client = env.emulator.batch_mgmt_client()
    return [p.as_dict() for p in client.pool.list_by_batch_account(RG, ACCOUNT)]


def _pool_matches(env: Env, state: State, nodes: int, metadata: dict[str, str] | None) -> list[str]:
    pools = _azure_pools(env)
    if len(pools) != 1:
        return [f"{len(pools)} pools in the account, expected 1"]
    props = pools[0]["properties"]
    problems = []
    found = (props.get("allocationState"), props.get("currentDedicatedNodes"))
    if found != ("Steady", nodes):
        problems.append(f"Azure has the pool {found}, config wants ('Steady', {nodes})")
    live_metadata = {m["name"]: m["value"] for m in props.get("metadata") or []}
    if metadata is not None and live_metadata != metadata:
        problems.append(f"Azure metadata {live_metadata}, config {metadata}")
    outs = state.outputs or {}
    if outs.get("currentDedicatedNodes") != props.get("currentDedicatedNodes"):
        problems.append(f"outputs say {outs.get('currentDedicatedNodes')} node(s), Azure has {found[1]}")
    return problems


def _verify_created(env: Env, state: State) -> list[str]:
    return _pool_matches(env, state, 2, None)


def _verify_updated(env: Env, state: State) -> list[str]:
    return _pool_matches(env, state, 2, {"owner": "render-team"})


def _verify_deleted(env: Env, state: State) -> list[str]:
    pools = _azure_pools(env)
    return [f"pool {p['name']} still exists after delete" for p in pools]


def _verify_read(env: Env, state: State) -> list[str]:
    return _pool_matches(env, state, 1, None)


# -- application packages ---------------------------------------------------------------------------------
def _prepare_package_account(env: Env) -> State:
    emulator = env.emulator
    emulator.reset()
    emulator.resource_client().resource_groups.create_or_update(RG, {"location": "westeurope"})
    storage = (
        emulator.storage_client()
        .storage_accounts.begin_create(
            RG, STORAGE, {"location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}
        )
        .result()
    )
    mgmt = emulator.batch_mgmt_client()
    mgmt.batch_account.begin_create(
        RG,
        ACCOUNT,
        {"location": "westeurope", "properties": {"autoStorage": {"storageAccountId": storage.id}}},
    ).result()
    mgmt.application.create(RG, ACCOUNT, "tools", {"properties": {"allowUpdates": True}})
    source = env.workdir / "pkg"
    if not source.exists():
        (source / "bin").mkdir(parents=True)
        (source / "bin" / "tool.sh").write_text("#!/bin/sh\necho tool\n")
    news = {
        "subscription_id": emulator.target.subscription_id,
        "resource_group_name": RG,
        "account_name": ACCOUNT,
        "application_name": "tools",
        "version": "1.0.0",
        "path": str(source),
        "content_hash": package_content.content_hash(source),
        "zip_sha256": planned_zip_sha256(source),
        "allow_updates": True,
        "set_default": True,
    }
    emulator.clear_requests()
    return State(news=news)


def _prepare_package(env: Env) -> State:
    state = _prepare_package_account(env)
    state.outputs = _create_package(env, env.providers["package"], state)
    state.old_outputs = dict(state.outputs)
    env.emulator.clear_requests()
    return state


def _create_package(env: Env, provider: ProviderHarness, state: State) -> dict[str, Any]:
    checked, failures = provider.check({}, state.news)
    assert not failures, failures
    state.id, outs = provider.create(checked)
    return outs


def _delete_package(env: Env, provider: ProviderHarness, state: State) -> None:
    provider.delete(state.id, state.old_outputs)
    return None


def _verify_package(env: Env, state: State) -> list[str]:
    mgmt = env.emulator.batch_mgmt_client()
    versions = {p.name: p for p in mgmt.application_package.list(RG, ACCOUNT, "tools")}
    if set(versions) != {"1.0.0"}:
        return [f"versions {sorted(versions)}, config wants ['1.0.0']"]
    problems = []
    if versions["1.0.0"].state != "Active":
        problems.append(f"version 1.0.0 is {versions['1.0.0'].state}, config wants Active")
    if mgmt.application.get(RG, ACCOUNT, "tools").default_version != "1.0.0":
        problems.append("defaultVersion is not 1.0.0")
    if (state.outputs or {}).get("state") != "Active":
        problems.append(f"outputs say {(state.outputs or {}).get('state')}")
    return problems


def _verify_package_deleted(env: Env, state: State) -> list[str]:
    mgmt = env.emulator.batch_mgmt_client()
    left = [p.name for p in mgmt.application_package.list(RG, ACCOUNT, "tools")]
    return [f"version {v} still exists after delete" for v in left]


POOL = pool_path("render") + "|/supportedimages|/virtualMachineSkus"
PACKAGE = r"/applications/|\.blob\.|/devstoreaccount"
OPERATIONS = (
    Operation("pool.create", "pool", POOL, _prepare_empty, _create_pool, _verify_created),
    Operation("pool.update", "pool", POOL, _prepare_pool, _update_pool, _verify_updated),
    Operation("pool.delete", "pool", POOL, _prepare_pool, _delete_pool, _verify_deleted),
    Operation("pool.read", "pool", POOL, _prepare_pool, _read_pool, _verify_read),
    Operation(
        "package.create", "package", PACKAGE, _prepare_package_account, _create_package, _verify_package
    ),
    Operation(
        "package.delete", "package", PACKAGE, _prepare_package, _delete_package, _verify_package_deleted
    ),
)
BY_NAME = {op.name: op for op in OPERATIONS}
