"""Fault and crash scenarios through the test engine: the dev stack's whole life under faults on batch-infra's
own Azure calls, and its provider SIGKILLed at an exact request, each re-run as a user would.

A fault lifecycle runs three `up`s of the shipped dev stack (create; grow the pool and change its metadata;
remove the pool and the package version), each while the emulator injects one fault kind at one seeded
probability on every request the dynamic providers make (Batch API 2025-06-01; azure-native's resources use
2024-07-01 and are left alone: the engine's stand-in for it does not retry, the real one does). A phase
converges when its up succeeds, or a re-run without faults does, and then Azure equals the config, the
outputs equal Azure and a preview proposes nothing. A crash scenario drops the provider's requests from
number `step` on, SIGKILLs the plugin's process tree when the first is dropped, re-runs, and compares the
result with a clean run's outputs. Shared by tests/deployments/test_faults_and_crashes.py (a sample) and
benchmarks/reliability_bench.py --engine (the full matrices).
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.deployments.conftest import copy_project
from tests.engine.operations import Stack
from tests.engine.result import Result
from tests.engine.state import STACK_TYPE
from tests.reliability.operations import FAST_RETRIES
from tests.reliability.scenarios import FAULTS, FIX_WORDS, fix_of, is_raw

PROVIDER_API = "2025-06-01"  # every call batch-infra's providers make (pool, package, quota)
STACK = "dev"
STACK_FILE = f"stacks/Pulumi.{STACK}.yaml"
ENGINE_ENV = {"BATCH_INFRA_POLLING_INTERVAL": "0", **FAST_RETRIES}
KILL_WAIT_SECONDS = 60.0
_RAW_WORDS = re.compile(
    r"azure\.core|HttpResponseError|Service(Request|Response)Error|Stream removed|Socket closed"
)


@dataclass(frozen=True)
class Phase:
    name: str
    edit: Callable[[dict[str, Any]], None] | None  # the change to the stack's config before its up


def _grow_pool(config: dict[str, Any]) -> None:
    pool = config["batch-infra:pools"][0]
    pool["scale"]["targetDedicatedNodes"] = 2
    pool["metadata"]["owner"] = "render-team"


def _remove_pool_and_package(config: dict[str, Any]) -> None:
    config["batch-infra:pools"] = []
    application = config["batch-infra:applications"][0]
    application["packages"] = {}
    application.pop("defaultVersion", None)


PHASES = (Phase("create", None), Phase("update", _grow_pool), Phase("delete", _remove_pool_and_package))


@dataclass
class EngineOutcome:
    """One phase's or crash's verdict, in the benchmark's columns (see scenarios.Outcome)."""

    scenario: str
    category: str  # converged-first, converged-rerun, not-converged, wrong-state
    faulted: Counter[str] = field(default_factory=Counter)  # provider operation -> requests faulted
    raw_errors: list[str] = field(default_factory=list)
    wrong_fixes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def operation_of(phase: str, request: dict[str, Any]) -> str:
    """The provider operation a request belongs to, by its path and the phase's change."""
    path = request["path"].lower()
    if path.endswith("/activate"):
        return "package.activate"
    if "/applications" in path:
        return f"package.{phase}"
    if path.endswith("/quotas") or path.endswith("/microsoft.batch/batchaccounts"):
        return "quota.check"
    return f"pool.{phase}"


def new_stack(emulator: Any, workdir: Path) -> Stack:
    """A fresh copy of the project and an empty state, on an emulator reset to empty."""
    emulator.reset()
    project = copy_project(workdir)
    return Stack(project, STACK, state_dir=project / ".state", emulator=emulator.ready_file, env=ENGINE_ENV)


def edit_config(stack: Stack, edit: Callable[[dict[str, Any]], None]) -> None:
    path = stack.project.root / STACK_FILE
    data = yaml.safe_load(path.read_text())
    edit(data["config"])
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def run_fault_lifecycle(
    emulator: Any, workdir: Path, faults: list[tuple[str, float]], seed: int
) -> list[EngineOutcome]:
    """The three phases, each under its (fault kind, probability); stops at the first not converging."""
    stack = new_stack(emulator, workdir)
    outcomes = []
    for number, (phase, (kind, probability)) in enumerate(zip(PHASES, faults, strict=True)):
        if phase.edit is not None:
            edit_config(stack, phase.edit)
        rule = {"api_version": PROVIDER_API, "probability": probability, "seed": seed * 10 + number}
        emulator.clear_requests()
        emulator.add_fault(".", **rule, **FAULTS[kind])
        try:
            first = stack.up()
        finally:
            emulator.clear_faults()
        outcome = _settle(emulator, stack, f"{phase.name} {kind} p={probability} seed={seed}", first)
        outcome.faulted = Counter(
            operation_of(phase.name, r) for r in emulator.requests() if _faulted(r, FAULTS[kind])
        )
        if kind in FIX_WORDS:
            words = FIX_WORDS[kind]
            outcome.wrong_fixes = [e for e in outcome.errors if fix_of(e) and words not in fix_of(e)]
        outcomes.append(outcome)
        if outcome.category not in ("converged-first", "converged-rerun"):
            break
    return outcomes


def _faulted(request: dict[str, Any], fault: dict[str, Any]) -> bool:
    """Whether the emulator's log shows this provider request met the fault (dropped, failed or slowed)."""
    if request["api_version"] != PROVIDER_API:
        return False
    if "delay_ms" in fault:
        return request["duration_ms"] >= fault["delay_ms"]
    return request["status"] is None or request["status"] == fault.get("status")


def deployed_until(emulator: Any, workdir: Path, phase: int) -> Stack:
    """A fresh stack with the phases before `phase` deployed cleanly and that phase's change made."""
    stack = new_stack(emulator, workdir)
    for earlier in PHASES[:phase]:
        if earlier.edit is not None:
            edit_config(stack, earlier.edit)
        up = stack.up()
        assert up.ok, up.render()
    if PHASES[phase].edit is not None:
        edit_config(stack, PHASES[phase].edit)
    return stack


def clean_runs(
    emulator: Any, workdir: Path, phases: int
) -> list[tuple[list[dict[str, Any]], dict[str, Any]]]:
    """For each of the first `phases` phases, in one clean lifecycle: the providers' requests of its up
    (each a place to be killed) and the outputs it ends with."""
    stack = new_stack(emulator, workdir)
    runs = []
    for phase in PHASES[:phases]:
        if phase.edit is not None:
            edit_config(stack, phase.edit)
        emulator.clear_requests()
        up = stack.up()
        assert up.ok, up.render()
        runs.append(([r for r in emulator.requests() if r["api_version"] == PROVIDER_API], up.outputs))
    return runs


def run_crash(
    emulator: Any, workdir: Path, phase: int, step: int, clean_outputs: dict[str, Any]
) -> EngineOutcome:
    """The phase's up with its provider SIGKILLed at its request number `step` (0-based), then a re-run;
    the outputs must equal a clean run's."""
    stack = deployed_until(emulator, workdir, phase)
    emulator.settings(allocation_delay_seconds=1.5)  # a resize started before the kill still runs after it
    emulator.clear_requests()
    emulator.add_fault(".", api_version=PROVIDER_API, drop=True, skip=step)
    results: list[Result] = []
    runner = threading.Thread(target=lambda: results.append(stack.up()), daemon=True)
    runner.start()
    killed = _kill_at_first_drop(emulator, stack, runner)
    runner.join(timeout=KILL_WAIT_SECONDS)
    emulator.clear_faults()
    name = f"{PHASES[phase].name} killed at provider request {step}"
    if runner.is_alive() or not results:
        return EngineOutcome(name, "not-converged", problems=["the killed up did not return"])
    outcome = _settle(emulator, stack, name, results[0], killed=killed)
    outputs = next((s.outputs for s in stack.state() if s.type == STACK_TYPE), {})
    if outcome.category.startswith("converged") and outputs != clean_outputs:
        outcome.category = "wrong-state"
        outcome.problems.append(f"outputs {outputs} differ from a clean run's {clean_outputs}")
    return outcome


def _kill_at_first_drop(emulator: Any, stack: Stack, runner: threading.Thread) -> bool:
    deadline = time.monotonic() + KILL_WAIT_SECONDS
    while runner.is_alive() and time.monotonic() < deadline:
        dropped = [r for r in emulator.requests() if r["status"] is None and r["api_version"] == PROVIDER_API]
        if dropped and stack.plugin is not None and stack.plugin.kill():
            return True
        time.sleep(0.02)
    return False


def _settle(emulator: Any, stack: Stack, name: str, first: Result, *, killed: bool = False) -> EngineOutcome:
    """The first up's verdict, with a re-run (no faults) when it failed, as a user would."""
    runs = [first]
    if not first.ok:
        runs.append(stack.up())
    errors = [d["message"] for run in runs for d in run.errors() if d["urn"]]
    # A killed provider's own calls end in the engine's transport error: the crash itself, not a message.
    judged = runs[1:] if killed else runs
    raw = [e for run in judged for d in run.errors() if d["urn"] and raw_error(e := d["message"])]
    raw += [t for run in judged for t in _tracebacks(run)]
    if not runs[-1].ok:
        return EngineOutcome(name, "not-converged", raw_errors=raw, errors=errors or [runs[-1].error])
    # A killed up that still ended well (the kill came after its last call) counts as needing the check only.
    category = "converged-rerun" if len(runs) > 1 or killed else "converged-first"
    problems = azure_differs(emulator, stack)
    if not problems:
        preview = stack.preview(expect_no_changes=True)
        problems = [] if preview.ok else [f"the next preview proposes changes:\n{preview.render()}"]
    if problems:
        category = "wrong-state"
    return EngineOutcome(name, category, raw_errors=raw, problems=problems, errors=errors)


def raw_error(message: str) -> bool:
    """A resource error a user should not see: a traceback ending in an exception that is not batch-infra's
    own, or (as a check failure or transport error) an SDK exception's or gRPC's words."""
    if "Traceback (most recent call last)" in message:
        return is_raw(message)
    return bool(_RAW_WORDS.search(message))


def _tracebacks(result: Result) -> list[str]:
    """The program's own errors and stderr must never carry a traceback (Pulumi shows them as they are)."""
    program = [d for d in result.diagnostics if d["severity"] == "info#err" or not d["urn"]]
    lines = [d["message"] for d in program if d["severity"] in ("info#err", "error")]
    text = "\n".join(lines)
    return [text] if "Traceback (most recent call last)" in text else []


def azure_differs(emulator: Any, stack: Stack) -> list[str]:
    """How Azure's pools and package versions differ from the stack file's config, and from the outputs."""
    config = yaml.safe_load((stack.project.root / STACK_FILE).read_text())["config"]
    state = {s.urn.rsplit("::", 1)[1]: s for s in stack.state()}
    account = next(s for s in state.values() if s.type == "azure-native:batch:BatchAccount").outputs
    group = account["id"].split("/resourceGroups/")[1].split("/")[0]
    mgmt = emulator.batch_mgmt_client()
    return _pools_differ(mgmt, group, account["name"], config["batch-infra:pools"], state) + _packages_differ(
        mgmt, group, account["name"], config["batch-infra:applications"]
    )


def _pools_differ(
    mgmt: Any, group: str, account: str, wanted: list[dict[str, Any]], state: dict
) -> list[str]:
    live = {p.name.lower(): p for p in mgmt.pool.list_by_batch_account(group, account)}
    problems = [f"Azure has pools {sorted(live)}, config {sorted(p['id'] for p in wanted)}"]
    if sorted(live) != sorted(p["id"].lower() for p in wanted):
        return problems
    problems = []
    for pool in wanted:
        found = live[pool["id"].lower()]
        target = pool["scale"]["targetDedicatedNodes"]
        metadata = {m.name: m.value for m in found.metadata or []}
        if (found.allocation_state, found.current_dedicated_nodes) != ("Steady", target):
            problems.append(
                f"pool {pool['id']}: {found.allocation_state} with {found.current_dedicated_nodes}"
            )
        if any(metadata.get(k) != v for k, v in pool["metadata"].items()):
            problems.append(f"pool {pool['id']}: metadata {metadata}, config {pool['metadata']}")
        outputs = state[f"batch-pool-{pool['id']}"].outputs
        if outputs.get("currentDedicatedNodes") != found.current_dedicated_nodes:
            problems.append(f"pool {pool['id']}: outputs say {outputs.get('currentDedicatedNodes')} node(s)")
    return problems


def _packages_differ(mgmt: Any, group: str, account: str, applications: list[dict[str, Any]]) -> list[str]:
    problems = []
    for application in applications:
        name = application["id"]
        versions = {v.name: v.state for v in mgmt.application_package.list(group, account, name)}
        wanted = {version: "Active" for version in application.get("packages") or {}}
        if versions != wanted:
            problems.append(f"application {name}: Azure has {versions}, config wants {wanted}")
        default = mgmt.application.get(group, account, name).default_version
        if default != application.get("defaultVersion"):
            problems.append(
                f"application {name}: default version {default}, config {application.get('defaultVersion')}"
            )
    return problems
