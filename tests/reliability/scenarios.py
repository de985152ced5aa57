"""Fault and crash scenarios of the providers against the emulator, shared by the suite and the benchmark.

A scenario runs one provider operation through `python -m pulumi.dynamic` (the engine's gRPC calls) while
the emulator injects one fault kind at one probability, then re-runs it without faults as a user would,
and checks the final Azure state against the config. A crash scenario lets the first `step` requests
through, drops every later one, SIGKILLs the provider server and re-runs in a fresh one.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.providers.harness import ProviderCallError, ProviderHarness
from tests.reliability import operations
from tests.reliability.operations import Env, Operation

FAULTS: dict[str, dict[str, Any]] = {
    "429+retry-after": {"status": 429, "retry_after": 1},
    "429": {"status": 429},
    "500": {"status": 500},
    "503": {"status": 503},
    "drop": {"drop": True},
    "lost-response": {"lose_response": True},
    "slow": {"delay_ms": 300},
}
# What the fix of an error caused by each fault kind must talk about (the classifier's words).
FIX_WORDS = {
    "429+retry-after": "throttling",
    "429": "throttling",
    "500": "server error",
    "503": "server error",
    "drop": "no answer",
    "lost-response": "no answer",
}
CRASH_ALLOCATION_SECONDS = 1.5
_RAISED = re.compile(r"^([A-Za-z_][\w.]*)(?::|$)")


@dataclass
class Outcome:
    """One scenario's verdict; `category` is one of the benchmark's columns."""

    scenario: str
    category: str  # converged-first, converged-rerun, not-converged, wrong-state, unsupported
    raw_errors: list[str] = field(default_factory=list)  # errors that are not batch-infra's own
    wrong_fixes: list[str] = field(default_factory=list)  # a fix that does not match the fault's cause
    problems: list[str] = field(default_factory=list)  # how the final state differs from the config
    errors: list[str] = field(default_factory=list)


def raised(details: str) -> str:
    """The class of the exception a provider call ended with (the traceback's last unindented line)."""
    names = [m.group(1) for line in details.splitlines() if (m := _RAISED.match(line))]
    names = [n for n in names if n not in ("Traceback", "During", "The")]
    return names[-1] if names else "?"


def is_raw(details: str) -> bool:
    return not raised(details).startswith(("batch_infra.", "BatchInfraError", "AzureOperationError"))


def run_fault(env: Env, operation: Operation, kind: str, probability: float, seed: int = 1) -> Outcome:
    """`seed` makes the rule's draws its own: each scenario sees its own faults and replays alone."""
    name = f"{operation.name} {kind} p={probability} seed={seed}"
    state = operation.prepare(env)
    rule = {"path": operation.path, "probability": probability, "seed": seed, **FAULTS[kind]}
    try:
        env.emulator.add_fault(**rule)
    except AssertionError:
        return Outcome(name, "unsupported")
    outcome = _attempt(
        env, operation, state, name, lambda: operation.run(env, env.providers[operation.kind], state)
    )
    if kind in FIX_WORDS:
        outcome.wrong_fixes = [e for e in outcome.errors if fix_of(e) and FIX_WORDS[kind] not in fix_of(e)]
    return outcome


def run_crash(env: Env, operation: Operation, step: int) -> Outcome:
    """Serve `step` requests, then drop the rest, SIGKILL the provider server, re-run in a new one."""
    name = f"{operation.name} crash after {step} request(s)"
    state = operation.prepare(env)
    # Slow enough allocations that a resize started before the kill is still running at the re-run.
    env.emulator.settings(allocation_delay_seconds=CRASH_ALLOCATION_SECONDS)
    env.emulator.clear_requests()
    try:
        env.emulator.add_fault(path=".", drop=True, skip=step)
    except AssertionError:
        return Outcome(name, "unsupported")
    doomed = env.harness(operation.kind).start()
    done = threading.Event()

    def first_run() -> None:
        try:
            operation.run(env, doomed, state)
        except (ProviderCallError, Exception):  # noqa: BLE001 - the run is being killed: any end is fine
            pass
        finally:
            done.set()

    threading.Thread(target=first_run, daemon=True).start()
    deadline = time.monotonic() + 60
    while not done.is_set() and time.monotonic() < deadline:
        if any(r["status"] is None for r in env.emulator.requests()):
            break
        time.sleep(0.01)
    finished_first = done.is_set()
    _kill(doomed)
    env.emulator.clear_faults()
    outcome = _verify_or_rerun(env, operation, state, name, failed=True)
    if finished_first and outcome.category == "converged-rerun":
        outcome.category = "converged-first"
    return outcome


def _attempt(env: Env, operation: Operation, state: Any, name: str, first: Any) -> Outcome:
    errors: list[str] = []
    try:
        state.outputs = first()
        failed = False
    except ProviderCallError as err:
        errors.append(err.details)
        failed = True
    env.emulator.clear_faults()
    outcome = _verify_or_rerun(env, operation, state, name, failed=failed)
    outcome.errors = errors + outcome.errors
    outcome.raw_errors = [e for e in outcome.errors if is_raw(e)]
    return outcome


def _verify_or_rerun(env: Env, operation: Operation, state: Any, name: str, *, failed: bool) -> Outcome:
    if not failed:
        problems = operation.verify(env, state)
        if not problems:
            return Outcome(name, "converged-first")
        # It reported success but Azure disagrees: a user would not re-run. That is a wrong final state.
        return Outcome(name, "wrong-state", problems=problems)
    try:
        state.outputs = operation.rerun(env, env.providers[operation.kind], state)
    except ProviderCallError as err:
        raw = [err.details] if is_raw(err.details) else []
        return Outcome(name, "not-converged", errors=[err.details], raw_errors=raw)
    problems = operation.verify(env, state)
    return Outcome(name, "wrong-state" if problems else "converged-rerun", problems=problems)


def fix_of(details: str) -> str:
    return "\n".join(line for line in details.splitlines() if line.strip().startswith("fix:"))


def _kill(provider: ProviderHarness) -> None:
    process = provider._process  # noqa: SLF001 - SIGKILL is the point: no clean shutdown
    if process is not None:
        process.kill()
        process.wait(timeout=10)
    provider.stop()


environment = operations.environment
