"""The dynamic-provider plugin as the Pulumi CLI starts it, and a first preview's unknowns through it.

Regression tests for issue 11 defects 1-3: the program and the plugin ran in batch_infra/ (`main:` named a
file), where `virtualenv: .venv` did not resolve and batch_infra/packaging.py shadowed PyPA `packaging`;
and Pool / ApplicationPackage compared inputs with the sentinel string while the SDK's server hands them
pulumi.output.Unknown objects. No Azure and no emulator: any request would fail these tests.
"""

from __future__ import annotations

import importlib.machinery
import sys
from pathlib import Path
from typing import Any

import pytest

from batch_infra.providers.app_package import ApplicationPackageProvider
from batch_infra.providers.pool import PoolProvider
from batch_infra.providers.quota import QuotaCheckProvider
from tests.engine.values import UNKNOWN
from tests.fixtures.plans import PROJECT_DIR
from tests.fixtures.pulumi_launch import Launch, project_launch
from tests.providers.harness import ProviderHarness

# No target at all: a provider that tries to reach Azure in these tests fails with "no Azure subscription".
NO_AZURE = {"BATCH_INFRA_EMULATOR": "", "AZURE_SUBSCRIPTION_ID": ""}
POOL = "pulumi-python:dynamic/pool:Pool"
PACKAGE = "pulumi-python:dynamic/app_package:ApplicationPackage"
QUOTA = "pulumi-python:dynamic/quota:QuotaCheck"
# What a first preview of the program cannot know yet (everything read back from resources being created).
FIRST_PREVIEW_UNKNOWNS = {
    POOL: ("subscriptionId", "resourceGroupName", "accountName", "accountEndpoint", "subnetId"),
    PACKAGE: ("subscription_id", "resource_group_name", "account_name"),
    QUOTA: ("account_id",),
}
PROVIDERS = {POOL: PoolProvider, PACKAGE: ApplicationPackageProvider, QUOTA: QuotaCheckProvider}
# The mocks know no identity's client id; in a preview the engine reads it (a Get runs in previews too).
READ_IN_PREVIEW = {"certificateIdentityClientId": "5d1a5c9e-0000-4000-8000-00000000c11d"}


def test_the_engine_runs_program_and_plugin_in_the_project_root_with_its_virtualenv():
    launch = project_launch()
    assert (launch.pwd, launch.program) == (PROJECT_DIR, ".")  # getPwdMain with no `main:`
    assert (PROJECT_DIR / "__main__.py").is_file()
    assert launch.runtime_env == {"PULUMI_RUNTIME_TOOLCHAIN": "pip", "PULUMI_RUNTIME_VIRTUALENV": ".venv"}
    assert (launch.pwd / launch.runtime_env["PULUMI_RUNTIME_VIRTUALENV"] / "bin" / "python").exists()


def _first_preview_inputs(planned: Any, stack: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(type, name, inputs) of each dynamic resource, with what a first preview does not know unknown."""
    found = []
    for resource in planned(stack).resources:
        if resource.type in FIRST_PREVIEW_UNKNOWNS:
            inputs = {**resource.properties, **_read_in_preview(resource.properties)}
            for key in FIRST_PREVIEW_UNKNOWNS[resource.type]:
                if key in inputs:
                    inputs[key] = UNKNOWN
            found.append((resource.type, resource.name, inputs))
    return found


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_a_first_preview_checks_every_dynamic_resource_without_a_request(planned, stack):
    seen = set()
    for type_token, name, inputs in _first_preview_inputs(planned, stack):
        provider = PROVIDERS[type_token]()
        with ProviderHarness(provider, name=name, urn_type=type_token, env=NO_AZURE) as server:
            step = server.preview(inputs)
        assert step.op == "create" and step.state is None, name
        unknown = [k for k in FIRST_PREVIEW_UNKNOWNS[type_token] if k in inputs]
        assert all(step.checked[k] is UNKNOWN for k in unknown), name  # checked inputs keep the unknowns
        seen.add(type_token)
    assert seen == set(PROVIDERS)


def _read_in_preview(properties: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in READ_IN_PREVIEW.items() if k in properties}


def _pool_state(planned: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The prod render pool as a checkpoint holds it after an `up`: inputs, and outputs with 2 nodes."""
    pool = next(r for r in planned("prod").resources if r.name == "batch-pool-render")
    inputs = {
        **pool.properties,
        **_read_in_preview(pool.properties),
        "resolvedImage": {
            "publisher": "canonical",
            "offer": "ubuntu-24_04-lts",
            "sku": "server",
            "version": "latest",
            "nodeAgentSkuId": "batch.node.ubuntu 24.04",
        },
    }
    outputs = {
        **inputs,
        "azureId": "/pools/render",
        "allocationState": "Steady",
        "currentDedicatedNodes": 2,
        "currentSpotNodes": 0,
        "autoScaleFormula": "x",
    }
    return inputs, outputs


@pytest.mark.parametrize(
    ("unknown", "replaces"),
    [("subnetId", []), ("accountEndpoint", ["accountEndpoint"]), ("subscriptionId", ["subscriptionId"])],
)
def test_pool_diff_with_an_unknown_input_never_refuses_and_replaces_only_for_account_keys(
    planned, unknown, replaces
):
    inputs, outputs = _pool_state(planned)
    with ProviderHarness(PoolProvider(), name="render", urn_type=POOL, env=NO_AZURE) as server:
        diff = server.diff("render", outputs, {**inputs, unknown: UNKNOWN}, old_inputs=inputs)
        unchanged = server.diff("render", outputs, inputs, old_inputs=inputs)
    # A busy pool and an unknown subnet: not "scale the pool to 0 nodes" (the subnet may well not change).
    assert diff.changes is True and diff.replaces == replaces and diff.delete_before_replace
    assert unchanged.changes is False


def test_package_diff_with_an_unknown_account_is_a_possible_replacement(planned):
    package = next(r for r in planned("dev").resources if r.type == PACKAGE)
    inputs = dict(package.properties)
    outputs = {**inputs, "state": "Active", "format": "zip"}
    provider = ApplicationPackageProvider()
    with ProviderHarness(provider, name=package.name, urn_type=PACKAGE, env=NO_AZURE) as server:
        diff = server.diff("pkg", outputs, {**inputs, "account_name": UNKNOWN}, old_inputs=inputs)
    assert diff.changes is True and diff.replaces == ["account_name"]


def _shadowing(directory: Path) -> list[str]:
    """Modules in `directory` that `python -m` (cwd first on sys.path) would import instead of a library."""
    others = [p for p in sys.path if p and Path(p).resolve() not in (PROJECT_DIR, directory)]
    names = {p.stem for p in directory.glob("*.py") if p.stem != "__main__"}
    names |= {p.name for p in directory.iterdir() if (p / "__init__.py").is_file()}
    return sorted(n for n in names if importlib.machinery.PathFinder.find_spec(n, others) is not None)


def test_nothing_in_the_pwd_or_in_batch_infra_shadows_an_installed_module():
    assert _shadowing(PROJECT_DIR) == []
    assert _shadowing(PROJECT_DIR / "batch_infra") == []  # the pwd of any older Pulumi.yaml with main:


def test_the_plugin_starts_even_from_batch_infra_with_an_absolute_virtualenv(planned):
    # The old `main: batch_infra/program.py` pwd, absolute virtualenv: packaging.py broke `import pulumi`.
    old = project_launch()
    launch = Launch(
        old.root,
        old.root / "batch_infra",
        "program.py",
        old.project,
        {**old.runtime_env, "PULUMI_RUNTIME_VIRTUALENV": str(old.root / ".venv")},
    )
    _, name, inputs = next(r for r in _first_preview_inputs(planned, "dev") if r[0] == QUOTA)
    with ProviderHarness(
        QuotaCheckProvider(), name=name, urn_type=QUOTA, env=NO_AZURE, launch=launch
    ) as server:
        checked, failures = server.check(None, inputs)
    assert failures == [] and checked["account_id"] is UNKNOWN and checked.get("report") is None


def test_a_later_preview_with_an_unknown_subnet_shows_an_update_of_a_busy_pool(planned):
    """The Check of a preview skips Azure when an input is unknown; the recorded image must stay, else the
    Diff sees the image removed from a pool with nodes and refuses ("scale the pool to 0 nodes")."""
    inputs, outputs = _pool_state(planned)
    program = {k: v for k, v in inputs.items() if k != "resolvedImage"}  # what the program sends
    with ProviderHarness(PoolProvider(), name="render", urn_type=POOL, env=NO_AZURE) as server:
        state = server.record("render", inputs, outputs)
        step = server.preview({**program, "subnetId": UNKNOWN}, state)
    assert step.op == "update" and step.checked["resolvedImage"] == inputs["resolvedImage"]
    assert step.diff is not None and step.diff.replaces == []
