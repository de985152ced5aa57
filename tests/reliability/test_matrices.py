"""The fault and crash matrices in the suite: every provider operation converges, with no raw error.

A lean slice of benchmarks/reliability_bench.py (which prints the full figures): each operation under
each transient fault kind at 30% on one seed, then a crash after every request of a pool update and a
package create, re-run in a fresh provider server. Every scenario must end with Azure equal to the config
and the outputs equal to Azure, on the first run or after one re-run, and every error shown must be
batch-infra's own with a fix that names its cause.
"""

from __future__ import annotations

import pytest

from tests.reliability.operations import BY_NAME, OPERATIONS
from tests.reliability.scenarios import environment, run_crash, run_fault

pytestmark = pytest.mark.emulator
KINDS = ("429", "503", "drop", "lost-response")


@pytest.fixture(scope="module")
def env(emulator, tmp_path_factory):
    env = environment(emulator, tmp_path_factory.mktemp("reliability"))
    yield env
    for provider in env.providers.values():
        provider.stop()
    emulator.reset()


def assert_converged(outcome):
    assert outcome.category in ("converged-first", "converged-rerun"), (
        outcome.scenario,
        outcome.problems,
        outcome.errors[-1:],
    )
    assert not outcome.raw_errors, outcome.raw_errors[0]
    assert not outcome.wrong_fixes, outcome.wrong_fixes[0]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("operation", [op.name for op in OPERATIONS])
def test_every_operation_converges_under_faults(env, operation, kind):
    assert_converged(run_fault(env, BY_NAME[operation], kind, 0.3, seed=11))


def test_a_certain_fault_fails_with_the_cause_and_the_rerun_converges(env):
    """Every request of the update throttled: the error says throttling (not a role); the re-run fixes it."""
    outcome = run_fault(env, BY_NAME["pool.update"], "429", 1.0, seed=1)
    assert outcome.category == "converged-rerun" and outcome.errors
    assert "Azure is throttling (429): retried" in outcome.errors[0]
    assert_converged(outcome)


# The steps that matter: right after the update's PATCH (its resize still running at the re-run), after the
# create's PUT, after the package's PUT and after its activate (the benchmark kills after every request).
CRASHES = [
    ("pool.update", 1),
    ("pool.update", 2),
    ("pool.create", 4),
    ("package.create", 3),
    ("package.create", 4),
]


@pytest.mark.parametrize(("operation", "step"), CRASHES)
def test_a_crash_after_a_request_converges_on_the_rerun(env, operation, step):
    assert_converged(run_crash(env, BY_NAME[operation], step))


def test_a_lost_delete_answer_while_azure_still_deletes_is_waited_out(env):
    """The retried DELETE meets 409 PoolBeingDeleted: progress, not failure (issue 16, item 3)."""
    operation = BY_NAME["pool.delete"]
    state = operation.prepare(env)
    env.emulator.settings(lro_delay_seconds=0.5)
    env.emulator.add_fault(r"/pools/render$", method="DELETE", lose_response=True, count=1)
    env.providers["pool"].delete(state.id, state.old_outputs)
    statuses = [r["status"] for r in env.emulator.requests() if r["method"] == "DELETE"]
    assert statuses[:2] == [None, 409], statuses  # the answer lost, then Azure: already being deleted
    assert operation.verify(env, state) == []


def test_transient_read_errors_while_a_new_pool_settles_never_delete_it(env):
    """Four 500s on the GETs after the PUT: retried and waited through, the pool kept (item 2)."""
    operation = BY_NAME["pool.create"]
    state = operation.prepare(env)
    env.emulator.add_fault(r"/pools/render$", method="GET", status=500, count=4, skip=1)
    state.outputs = operation.run(env, env.providers["pool"], state)
    assert operation.verify(env, state) == []
    assert not [r for r in env.emulator.requests() if r["method"] == "DELETE"]
