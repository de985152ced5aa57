"""The dev stack through the test engine under faults on every provider call and with its provider SIGKILLed
mid-up: each up converges (or its re-run does), Azure ends equal to the config, no raw error is shown.

A seeded sample of benchmarks/reliability_bench.py --engine (which runs every fault kind x probability x seed
and a kill at every provider request, and prints the counts): two fault lifecycles (create, update, delete)
and three kills at the places that matter. The delete phase also pins a program bug the matrix found: with
no pools left, the next run's program died on `poolResourceIds` (Output.all() of nothing is a list).
"""

from __future__ import annotations

import pytest

from tests.reliability import engine_scenarios as scenarios

pytestmark = [pytest.mark.slow, pytest.mark.emulator, pytest.mark.timeout(900)]


def assert_converged(outcome: scenarios.EngineOutcome) -> None:
    assert outcome.category in ("converged-first", "converged-rerun"), (
        outcome.scenario,
        outcome.category,
        outcome.problems,
        outcome.errors[-1:],
    )
    assert not outcome.raw_errors, outcome.raw_errors[0]
    assert not outcome.wrong_fixes, outcome.wrong_fixes[0]


# One fault kind per phase: lost answers to the creates (a PUT or POST Azure served), certain throttling of
# the update (it fails, says so, and its re-run converges), dropped connections during the deletes.
MIXED = [("lost-response", 0.3), ("429", 1.0), ("drop", 0.3)]


def test_every_phase_converges_under_faults(clean_emulator, tmp_path) -> None:  # noqa: ANN001
    outcomes = scenarios.run_fault_lifecycle(clean_emulator, tmp_path / "project", MIXED, seed=1)
    print("\n" + "\n".join(f"{o.scenario}: {o.category}, faulted {dict(o.faulted)}" for o in outcomes))
    assert [o.scenario.split()[0] for o in outcomes] == [phase.name for phase in scenarios.PHASES]
    for outcome in outcomes:
        assert_converged(outcome)
    # Every phase met its faults (a matrix that faults nothing proves nothing).
    assert all(sum(o.faulted.values()) > 0 for o in outcomes), [dict(o.faulted) for o in outcomes]
    update = outcomes[1]
    assert update.category == "converged-rerun" and update.faulted["pool.update"] > 0
    assert "Azure is throttling (429): retried" in update.errors[0]


# (phase, what the clean run's request just before the kill is): after the pool PUT, after the package
# version's activate, and after the pool update's PATCH (issue 16 item 1: its resize runs on at the re-run).
CRASHES = [
    ("create", "PUT", "/pools/dev-small"),
    ("create", "POST", "/activate"),
    ("update", "PATCH", "/pools/dev-small"),
]


@pytest.fixture(scope="module")
def clean(emulator, tmp_path_factory):  # noqa: ANN001, ANN201 - fixtures
    """A clean create and update, once for every kill: the requests to kill at, the outputs to end with."""
    return scenarios.clean_runs(emulator, tmp_path_factory.mktemp("clean") / "project", phases=2)


@pytest.mark.parametrize(("phase", "method", "path"), CRASHES)
def test_a_provider_killed_mid_up_converges_on_the_rerun(
    clean, clean_emulator, tmp_path, phase, method, path
) -> None:  # noqa: ANN001
    number = [p.name for p in scenarios.PHASES].index(phase)
    requests, outputs = clean[number]
    step = 1 + next(i for i, r in enumerate(requests) if r["method"] == method and r["path"].endswith(path))
    outcome = scenarios.run_crash(clean_emulator, tmp_path / "crashed", number, step, outputs)
    print(f"\n{outcome.scenario}: {outcome.category}")
    assert_converged(outcome)
    assert outcome.category == "converged-rerun", "the provider was not killed: the scenario tested nothing"
