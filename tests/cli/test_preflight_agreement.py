"""What preflight says about a pool is what `pulumi up` does: its action against the emulator equals the
outcome of the pool provider's own Read (refresh) + Check + Diff + Update, served over gRPC as the engine
calls it, on the same emulator state and the same config."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from batch_infra.config import load_stack_file, stack_file
from batch_infra.ops import preflight as preflight_ops
from batch_infra.ops.preflight_pools import check_pool, desired_inputs
from batch_infra.providers import azure_clients
from batch_infra.providers.pool import TYPE_TOKEN, PoolProvider
from batch_infra.providers.pool_spec import config_of
from tests.cli.deploy_stack import deploy
from tests.cli.test_preflight_target import wait_steady
from tests.fixtures.plans import PROJECT_DIR
from tests.providers.harness import ProviderCallError, ProviderHarness

pytestmark = pytest.mark.emulator
DEV = load_stack_file(stack_file("dev", PROJECT_DIR), environment="dev").config
NAMES = DEV.names()
POOL = "batch-pool-dev-small"
# preflight's pool actions, as the engine's coarse outcome
COARSE = {"update live": "update", "update when empty": "update"}


def scale_out_of_band(emulator, nodes: int) -> None:
    emulator.batch_mgmt_client().pool.update(
        NAMES.resource_group,
        NAMES.batch_account,
        "dev-small",
        {"properties": {"scaleSettings": {"fixedScale": {"targetDedicatedNodes": nodes}}}},
    )
    wait_steady(emulator, "dev-small")


SCENARIOS = {
    "unchanged": ({}, None, "no change"),
    "scaled out of band": ({}, 3, "update"),
    "metadata changed": ({"metadata": {"purpose": "staging"}}, None, "update"),
    "vm size on a pool with nodes": ({"vmSize": "Standard_D4s_v5"}, None, "fails"),
    "vm size, opted into replacement": (
        {"vmSize": "Standard_D4s_v5", "onImmutableChange": "replace"},
        None,
        "replace",
    ),
    "vm size while scaling to zero": (
        {"vmSize": "Standard_D4s_v5", "scale": {"targetDedicatedNodes": 0, "resizeTimeout": "PT15M"}},
        None,
        "update",
    ),
}


@pytest.mark.parametrize("change, out_of_band, expected", SCENARIOS.values(), ids=SCENARIOS)
def test_preflight_action_equals_the_providers_outcome(
    clean_emulator, emulator_env, planned, change, out_of_band, expected
):
    state = deploy(clean_emulator, planned("dev"))
    if out_of_band is not None:
        scale_out_of_band(clean_emulator, out_of_band)
    olds = state[POOL]  # what the engine keeps after `pulumi up`
    news = {**{k: v for k, v in olds.items() if k in _input_keys(olds)}, **change}

    said = _preflight(clean_emulator, state, news)
    done = _pulumi_up(clean_emulator, olds, news)
    assert (COARSE.get(said, said), done) == (expected, expected)


def _input_keys(outputs: dict) -> set[str]:
    from batch_infra.pool_changes import BY_KEY

    return set(BY_KEY) - {"resolvedImage"}  # resolvedImage is check's own output, recomputed by check


def _preflight(emulator, state: dict, news: dict) -> str:
    """preflight's pool step (preflight.run minus the mock plan), for the changed pool config."""
    target = emulator.target
    account = state["batch-account-batch"]
    catalog = preflight_ops.read_catalog(target, DEV, account, scratch=False)
    live = (
        azure_clients.batch_mgmt_client(target)
        .pool.get(NAMES.resource_group, NAMES.batch_account, "dev-small")
        .as_dict()
    )
    desired = desired_inputs(target, DEV, config_of(news), account["properties"]["accountEndpoint"])
    return check_pool(desired, live, catalog.images, datetime.now(UTC).date()).action


def _pulumi_up(emulator, olds: dict, news: dict) -> str:
    """refresh (Read with the recorded inputs and outputs), then Check, Diff and Update as the engine calls
    them (Check olds = the refreshed inputs, Diff olds = the refreshed outputs)."""
    env = {azure_clients.EMULATOR_ENV: str(emulator.ready_file), azure_clients.POLLING_ENV: "0"}
    with ProviderHarness(PoolProvider(), urn_type=TYPE_TOKEN, name=POOL, env=env) as server:
        # The checkpoint after `pulumi up`: the checked inputs (with the resolved image) and the outputs.
        recorded = {k: v for k, v in olds.items() if k in _input_keys(olds) | {"resolvedImage"}}
        state = server.refresh(server.record("dev-small", recorded, olds))
        assert state is not None
        checked, failures = server.check(state.inputs, news)
        assert not failures, failures
        try:
            diff = server.diff("dev-small", state.outputs, checked, old_inputs=state.inputs)
            if diff.replaces:
                return "replace"
            if not diff.changes:
                return "no change"
            server.update("dev-small", state.outputs, checked, old_inputs=state.inputs)
        except ProviderCallError as err:
            # The provider refuses a change Azure would refuse in Diff (so `pulumi preview` already stops)
            # or, if the nodes appeared after the last refresh, in Update: either way the run fails.
            assert err.method in ("Diff", "Update"), err.method
            assert "accepts these changes only on a pool with no nodes" in err.details, err.details
            return "fails"
        return "update"
