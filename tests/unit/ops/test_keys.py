"""Key rotation on the emulator: consumers never fail; an interrupted rotation finishes when re-run."""

from __future__ import annotations

import functools
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from batch_infra.errors import AzureOperationError, BatchInfraError
from batch_infra.ops import keys as keys_module
from batch_infra.ops.key_lease import LEASE_SECONDS, LEASE_SECONDS_ENV
from batch_infra.ops.key_sink_claim import SINK_TAG
from batch_infra.ops.key_sinks import FileSink, KeyVaultSink, PublishedKey, RotationState
from batch_infra.ops.keys import BATCH_STEPS, STORAGE_STEPS
from batch_infra.providers.azure_retry import RetrySettings
from tests.unit.ops.keyrotation_helpers import (
    RG,
    Consumers,
    StorageConsumers,
    batch_keys,
    make_account,
    storage_keys,
)

pytestmark = pytest.mark.emulator
GRACE = 0.5  # longer than a consumer's read-the-key-then-call window on a busy machine
NODE_PROPAGATION = 0.4  # how long the emulator takes to get a synced storage key to the nodes
PROPAGATION = 0.8  # what the rotations here wait for it (Azure's five minutes, scaled down)
# Every rotation in this module waits PROPAGATION, not the CLI's five minutes.
rotate = functools.partial(keys_module.rotate, storage_propagation=PROPAGATION)


class Interrupted(Exception):
    """Stands for the process dying (Ctrl-C, CI timeout) right after a step."""


def kv_sink(emulator: Any, name: str = "keysbatch-shared-key") -> KeyVaultSink:
    return KeyVaultSink(emulator.target, emulator.target.arm_endpoint, name)


def regenerate_calls(emulator: Any, provider: str) -> int:
    return sum(
        1
        for r in emulator.requests()
        if r["method"] == "POST"
        and provider in r["path"]
        and r["path"].lower().endswith(("regeneratekeys", "regeneratekey"))
        and r["status"] == 200
    )


def test_rotation_with_key_vault_sink_never_fails_a_consumer(clean_emulator: Any) -> None:
    account = make_account(clean_emulator)
    before, storage_before = batch_keys(clean_emulator, account), storage_keys(clean_emulator, account)
    sink = kv_sink(clean_emulator)
    seen_at: dict[str, int] = {}
    # An empty sink gets primary, then the first rotation moves consumers to secondary.
    rotate(clean_emulator.target, account, sink, storage=False, grace=0)
    assert sink.read().key_name == "secondary"

    clean_emulator.settings(auto_storage_key_propagation_seconds=NODE_PROPAGATION)
    hold = GRACE / 2
    with (
        Consumers(clean_emulator, account, kv_sink(clean_emulator), hold=hold, workers=4) as consumers,
        StorageConsumers(clean_emulator, account) as storage_consumers,
    ):
        consumers.wait_for_calls(10)
        storage_consumers.wait_for_calls(5)
        report = rotate(
            clean_emulator.target,
            account,
            sink,
            grace=GRACE,
            on_step=lambda part, step: seen_at.setdefault(f"{part}:{step}", consumers.calls),
        )
        consumers.wait_for_calls(10)  # and the key it ends with works
        storage_consumers.wait_for_calls(5)

    after = batch_keys(clean_emulator, account)
    assert consumers.failures == [] and storage_consumers.failures == []
    assert consumers.calls >= 30 and storage_consumers.calls >= 30
    # Consumers kept calling while the old key was replaced, not only before and after.
    assert seen_at["batch:old-regenerated"] > seen_at["batch:published"]
    assert after["primary"] != before["primary"] and after["secondary"] != before["secondary"]
    published = sink.read()
    assert (published.key_name, published.value) == ("primary", after["primary"])
    assert sink.read_state().phase == "completed"
    assert all(
        a != b
        for a, b in zip(storage_keys(clean_emulator, account).values(), storage_before.values(), strict=True)
    )
    assert after["secondary"] not in repr(report.as_json()) and after["secondary"] not in repr(published)


def test_the_consumer_loop_does_see_a_dead_key(clean_emulator: Any) -> None:
    """The control for the test above: regenerating the published key at once does fail consumers."""
    account = make_account(clean_emulator)
    sink = kv_sink(clean_emulator)
    rotate(clean_emulator.target, account, sink, storage=False, grace=0)
    with Consumers(clean_emulator, account, kv_sink(clean_emulator)) as consumers:
        consumers.wait_for_calls(5)
        clean_emulator.batch_mgmt_client().batch_account.regenerate_key(
            account.resource_group, account.batch_account, {"keyName": sink.read().key_name.capitalize()}
        )
        consumers.wait_for_calls(5)
    assert consumers.failures and "AuthenticationFailed" in consumers.failures[-1]


# (Batch, storage) regenerate calls both runs make in total when the first run dies after each step. Repeating
# an unpublished regeneration is the price of not recording it; a resumed run never regenerates a key
# consumers may still hold, and never starts a second rotation to finish the first.
REGENERATIONS = {
    ("batch", "discovered"): (2, 2),
    ("batch", "standby-regenerated"): (3, 2),
    ("batch", "standby-verified"): (3, 2),
    ("batch", "published"): (2, 2),
    ("batch", "consumers-switched"): (2, 2),
    ("batch", "old-regenerated"): (3, 2),
    ("batch", "recorded"): (2, 2),
    ("storage", "standby-regenerated"): (2, 2),
    ("storage", "synced"): (2, 2),
    ("storage", "propagated"): (2, 2),
    ("storage", "active-regenerated"): (2, 2),
    ("storage", "completed"): (4, 4),  # the first run had finished: the second is a new rotation
}


@pytest.mark.parametrize(
    ("part", "stop_after"), [*(("batch", s) for s in BATCH_STEPS), *(("storage", s) for s in STORAGE_STEPS)]
)
def test_rotation_interrupted_after_any_step_completes_on_rerun(
    clean_emulator: Any, part: str, stop_after: str
) -> None:
    account = make_account(clean_emulator)
    original = batch_keys(clean_emulator, account)
    sink = kv_sink(clean_emulator)
    rotate(clean_emulator.target, account, sink, storage=False, grace=0)
    clean_emulator.clear_requests()

    def die(step_part: str, step: str) -> None:
        if (step_part, step) == (part, stop_after):
            raise Interrupted(step)

    with Consumers(clean_emulator, account, kv_sink(clean_emulator)) as consumers:
        with pytest.raises(Interrupted):
            rotate(clean_emulator.target, account, sink, grace=GRACE, on_step=die)
        report = rotate(clean_emulator.target, account, sink, grace=GRACE)
        consumers.wait_for_calls(5)

    keys = batch_keys(clean_emulator, account)
    assert consumers.failures == []
    assert sink.read().value in keys.values()
    assert keys["primary"] != original["primary"] and keys["secondary"] != original["secondary"]
    assert sink.read_state().phase == "completed" and sink.read_state().storage_phase == "completed"
    made = (
        regenerate_calls(clean_emulator, "Microsoft.Batch"),
        regenerate_calls(clean_emulator, "Microsoft.Storage"),
    )
    assert made == REGENERATIONS[(part, stop_after)]
    if (part, stop_after) in {("batch", "published"), ("batch", "consumers-switched")}:
        assert any("resuming rotation" in note for note in report.notes)


def test_azure_failure_after_publishing_resumes_without_a_second_publish(clean_emulator: Any) -> None:
    account = make_account(clean_emulator)
    sink = kv_sink(clean_emulator)
    rotate(clean_emulator.target, account, sink, storage=False, grace=0)

    def fail_next_regeneration(part: str, step: str) -> None:
        if step == "published":  # Azure refuses the next regenerateKeys (409 is not retried)
            clean_emulator.add_fault(path=r".*/regenerateKeys", method="POST", status=409, count=1)

    with Consumers(clean_emulator, account, kv_sink(clean_emulator)) as consumers:
        with pytest.raises(AzureOperationError) as failed:
            rotate(
                clean_emulator.target,
                account,
                sink,
                storage=False,
                grace=GRACE,
                on_step=fail_next_regeneration,
            )
        assert "regenerate the secondary key" in failed.value.render() and "re-run" in failed.value.render()
        assert sink.read_state().phase == "published"
        clean_emulator.clear_faults()
        versions_before = len(list(sink.client.list_properties_of_secret_versions(sink.secret_name)))
        report = rotate(clean_emulator.target, account, sink, storage=False, grace=GRACE)
        consumers.wait_for_calls(5)

    assert consumers.failures == []
    assert len(list(sink.client.list_properties_of_secret_versions(sink.secret_name))) == versions_before
    assert any("resuming rotation" in note for note in report.notes)
    assert sink.read_state().phase == "completed"
    assert sink.read().value == batch_keys(clean_emulator, account)["primary"]


@pytest.mark.parametrize("fmt", ["json", "env"])
def test_file_sink_is_private_and_consumers_never_fail(clean_emulator: Any, tmp_path: Path, fmt: str) -> None:
    account = make_account(clean_emulator)
    sink = FileSink(tmp_path / f"batch-key.{fmt}", fmt)
    rotate(clean_emulator.target, account, sink, storage=False, grace=0)

    with Consumers(clean_emulator, account, FileSink(sink.path, fmt)) as consumers:
        consumers.wait_for_calls(10)
        rotate(clean_emulator.target, account, sink, grace=GRACE)
        consumers.wait_for_calls(10)

    assert consumers.failures == []
    assert stat.S_IMODE(sink.path.stat().st_mode) == 0o600
    keys = batch_keys(clean_emulator, account)
    text = sink.path.read_text()
    if fmt == "env":
        assert f"BATCH_ACCOUNT_KEY={keys['primary']}\n" in text and "BATCH_ACCOUNT_NAME=keysbatch\n" in text
    assert sink.read() == PublishedKey("keysbatch", "primary", keys["primary"])
    assert sorted(p.name for p in tmp_path.iterdir()) == [sink.path.name]


def test_dry_run_changes_nothing(clean_emulator: Any) -> None:
    account = make_account(clean_emulator)
    sink = kv_sink(clean_emulator)
    rotate(clean_emulator.target, account, sink, storage=False, grace=0)
    before, storage_before = batch_keys(clean_emulator, account), storage_keys(clean_emulator, account)

    report = rotate(clean_emulator.target, account, sink, grace=30, dry_run=True)

    assert report.batch == [
        "regenerate primary (unused)",
        "verify primary on the data plane",
        f"publish primary to {sink.description}",
        "wait 30s for consumers to switch",
        "regenerate secondary",
    ]
    assert report.storage == [
        "regenerate key2 of keysstorage (Batch signs with key1)",
        "synchronize auto-storage keys (Batch takes the new key2)",
        "wait 0.8s for the synced keys to reach the compute nodes",
        "regenerate key1 of keysstorage (nodes fall back to the new key2)",
        "synchronize auto-storage keys again (Batch takes the new key1)",
    ]
    assert (
        batch_keys(clean_emulator, account) == before
        and storage_keys(clean_emulator, account) == storage_before
    )


def test_a_sink_holding_a_dead_key_is_refused(clean_emulator: Any) -> None:
    account = make_account(clean_emulator)
    sink = kv_sink(clean_emulator)
    sink.publish(PublishedKey(account.batch_account, "primary", "bm90LWEta2V5"), RotationState())

    with pytest.raises(BatchInfraError, match="neither current key"):
        rotate(clean_emulator.target, account, sink, grace=0)


def test_storage_rotation_skips_managed_identity_auto_storage(clean_emulator: Any, tmp_path: Path) -> None:
    account = make_account(clean_emulator)
    identity = account.__class__(**{**account.__dict__, "storage_mode": "BatchAccountManagedIdentity"})
    before = storage_keys(clean_emulator, account)

    report = rotate(clean_emulator.target, identity, FileSink(tmp_path / "k.json"), grace=0)

    assert report.storage == [] and "BatchAccountManagedIdentity" in report.notes[-1]
    assert storage_keys(clean_emulator, account) == before


def test_a_new_key_refused_for_a_moment_is_retried(
    clean_emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("batch_infra.ops.keys.VERIFY_DELAYS", (0, 0, 0))
    account = make_account(clean_emulator)
    sink = kv_sink(clean_emulator)
    rotate(clean_emulator.target, account, sink, storage=False, grace=0)
    clean_emulator.add_fault(path=r"/batch/.*/pools", method="GET", status=403, count=2)

    rotate(clean_emulator.target, account, sink, storage=False, grace=0)

    assert sink.read().value == batch_keys(clean_emulator, account)["primary"]


def test_a_new_key_that_stays_refused_is_never_published(
    clean_emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("batch_infra.ops.keys.VERIFY_DELAYS", (0, 0, 0))
    account = make_account(clean_emulator)
    sink = kv_sink(clean_emulator)
    rotate(clean_emulator.target, account, sink, storage=False, grace=0)
    published = sink.read()
    clean_emulator.add_fault(path=r"/batch/.*/pools", method="GET", status=403, count=4)

    with pytest.raises(AzureOperationError, match="still refused after 4 attempts") as refused:
        rotate(clean_emulator.target, account, sink, storage=False, grace=0)

    assert "nothing was published" in refused.value.render()
    assert sink.read() == published and sink.read().value in batch_keys(clean_emulator, account).values()


@pytest.mark.parametrize(("grace", "fails"), [(0.05, True), (0.6, False)])
def test_a_grace_shorter_than_the_consumers_hold_fails_them(
    clean_emulator: Any, grace: float, fails: bool
) -> None:
    """The control for the zero-downtime test: consumers keep a key 0.3s, so only a longer grace works."""
    account = make_account(clean_emulator)
    sink = kv_sink(clean_emulator)
    rotate(clean_emulator.target, account, sink, storage=False, grace=0)
    # 6 workers x 3 rotations: with a 0.05 s grace, each worker's ~0.3 s read cycle puts a read in the 0.25 s
    # before the old key dies with high odds, so "no failure at all" would take many misses in a row.
    with Consumers(clean_emulator, account, kv_sink(clean_emulator), hold=0.3, workers=6) as consumers:
        consumers.wait_for_calls(12)
        for _ in range(3):
            rotate(clean_emulator.target, account, sink, storage=False, grace=grace)
        consumers.wait_for_calls(12)
    assert consumers.calls >= 24
    assert bool(consumers.failures) is fails, consumers.failures[:3]
    assert all("AuthenticationFailed" in failure for failure in consumers.failures)


@pytest.mark.parametrize(
    ("propagation", "node_propagation", "fails"),
    # Without the wait, the nodes get no current key until the final sync reaches them: 5 s is far longer
    # than any rotation takes, so the probe below lands in that gap however slow the machine is.
    [(0.0, 5.0, True), (PROPAGATION, NODE_PROPAGATION, False)],
)
def test_storage_keys_need_the_propagation_wait(
    clean_emulator: Any, propagation: float, node_propagation: float, fails: bool
) -> None:
    """Regenerating key1 before the sync of the new key2 reached the nodes leaves them no current key."""
    account = make_account(clean_emulator)
    sink = kv_sink(clean_emulator)
    clean_emulator.settings(auto_storage_key_propagation_seconds=node_propagation)
    with StorageConsumers(clean_emulator, account) as consumers:
        consumers.wait_for_calls(5)
        keys_module.rotate(clean_emulator.target, account, sink, batch=False, storage_propagation=propagation)
        probe = consumers.probe()  # right after the rotation returns: deterministic, unlike the loop's timing
        consumers.wait_for_calls(5)
    assert consumers.calls >= 10
    assert (probe is not None) is fails, probe
    assert probe is None or "AutoStorageKeysInvalid" in probe
    if not fails:
        assert consumers.failures == []
    assert all("AutoStorageKeysInvalid" in failure for failure in consumers.failures)
    assert sink.read_state().storage_phase == "completed" and sink.read() is None


def test_storage_only_rotation_records_progress_without_a_batch_key(
    clean_emulator: Any, tmp_path: Path
) -> None:
    """An AAD-only stack has no Batch key to publish; its storage rotation still resumes from the sink."""
    account = make_account(clean_emulator)
    for sink in (kv_sink(clean_emulator, "aad-only"), FileSink(tmp_path / "progress.json")):
        before = storage_keys(clean_emulator, account)

        def die(part: str, step: str) -> None:
            if step == "synced":
                raise Interrupted(step)

        with pytest.raises(Interrupted):
            rotate(clean_emulator.target, account, sink, batch=False, on_step=die)
        assert sink.read() is None and sink.read_state().storage_phase == "synced"
        report = rotate(clean_emulator.target, account, sink, batch=False)

        assert any("resuming the auto-storage rotation after synced" in n for n in report.notes)
        after = storage_keys(clean_emulator, account)
        assert after["key1"] != before["key1"] and after["key2"] != before["key2"]
        assert sink.read() is None and sink.read_state().storage_phase == "completed"


@pytest.mark.parametrize("path", [r".*/regenerateKeys", r".*/secrets/.*"])
def test_a_dropped_connection_is_an_azure_failure_with_rerun_guidance(clean_emulator: Any, path: str) -> None:
    account = make_account(clean_emulator)
    sink = kv_sink(clean_emulator)
    rotate(clean_emulator.target, account, sink, storage=False, grace=0)
    method = "POST" if "regenerate" in path else "PUT"
    clean_emulator.add_fault(path=path, method=method, drop=True, count=20)

    with pytest.raises(AzureOperationError) as failed:
        rotate(clean_emulator.target, account, sink, storage=False, grace=0)

    assert failed.value.exit_code == 3
    assert failed.value.code == "ServiceResponseError" and "re-run" in failed.value.render()
    clean_emulator.clear_faults()
    rotate(clean_emulator.target, account, sink, storage=False, grace=0)
    assert sink.read().value in batch_keys(clean_emulator, account).values()


def test_an_unreachable_vault_is_an_azure_failure(clean_emulator: Any) -> None:
    sink = KeyVaultSink(clean_emulator.target, "https://127.0.0.1:1", "nowhere")
    sink.client._client._config.retry_policy.settings = RetrySettings(attempts=1)  # nothing listens on port 1

    with pytest.raises(AzureOperationError, match="ServiceRequestError") as failed:
        sink.read()

    assert failed.value.exit_code == 3 and "re-run" in failed.value.render()


def test_a_rotation_holding_the_lease_keeps_a_second_one_out(clean_emulator: Any) -> None:
    account = make_account(clean_emulator)
    sink = kv_sink(clean_emulator)
    rotate(clean_emulator.target, account, sink, storage=False, grace=0)
    keys_before = batch_keys(clean_emulator, account)
    second: list[BaseException] = []

    def rotate_again(part: str, step: str) -> None:
        if step == "published":  # a second run starts while the first waits for consumers
            try:
                rotate(clean_emulator.target, account, kv_sink(clean_emulator), storage=False, grace=0)
            except BatchInfraError as err:
                second.append(err)

    rotate(clean_emulator.target, account, sink, storage=False, grace=0.1, on_step=rotate_again)

    assert len(second) == 1 and "another key rotation" in str(second[0])
    after = batch_keys(clean_emulator, account)
    assert after["primary"] != keys_before["primary"] and after["secondary"] != keys_before["secondary"]
    assert sink.read().value == after["primary"] and sink.read_state().lease_owner == ""
    state = sink.read_state()  # an expired lease (a killed run) does not block
    state.lease_owner, state.lease_expires = "dead-run", 1.0
    sink.write_state(state)
    rotate(clean_emulator.target, account, sink, storage=False, grace=0)
    assert sink.read().value == batch_keys(clean_emulator, account)["secondary"]


def test_a_live_lease_of_a_dead_process_on_this_host_is_taken_over_and_reported(clean_emulator: Any) -> None:
    account = make_account(clean_emulator)
    sink = kv_sink(clean_emulator)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a pid that no longer runs: the run that held the lease was killed
    state = sink.read_state()
    state.lease_owner = f"deadbeef0001@{socket.gethostname()}:{dead.pid}"
    state.lease_expires = time.time() + 1200  # the default flags' 600-1,320 s would block a re-run
    sink.write_state(state)

    report = rotate(clean_emulator.target, account, sink, storage=False, grace=0)

    assert any("took over the lease of run deadbeef0001@" in note for note in report.notes)
    assert sink.read().value == batch_keys(clean_emulator, account)["secondary"]
    state = sink.read_state()
    state.lease_owner = f"elsewhere0001@other-host:{os.getpid()}"  # another machine: cannot be checked
    state.lease_expires = time.time() + 1200
    sink.write_state(state)
    with pytest.raises(BatchInfraError, match="another key rotation") as refused:
        rotate(clean_emulator.target, account, sink, storage=False, grace=0)
    assert "taken over at once" in refused.value.render()


def test_a_dead_holder_on_another_host_is_taken_over_once_its_heartbeat_stops(
    clean_emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16 item 5: a live run renews its lease from a heartbeat while it waits, so the lease can be
    short (LEASE_SECONDS: 120 s, not the 600-1,320 s it was); a holder on another machine that stops renewing
    is taken over once the lease expires, and the report says so. Here the lease is 0.6 s."""
    monkeypatch.setenv(LEASE_SECONDS_ENV, "0.6")
    assert LEASE_SECONDS == 120.0
    account = make_account(clean_emulator)
    sink = kv_sink(clean_emulator)
    second: list[BaseException] = []

    def second_run_during_a_long_wait(part: str, step: str) -> None:
        if step == "published":
            time.sleep(1.5)  # over twice the lease: only the heartbeat keeps it this run's
            try:
                rotate(clean_emulator.target, account, kv_sink(clean_emulator), storage=False, grace=0)
            except BatchInfraError as err:
                second.append(err)

    rotate(
        clean_emulator.target, account, sink, storage=False, grace=0.1, on_step=second_run_during_a_long_wait
    )
    assert len(second) == 1 and "renewed its lease" in str(second[0]), second
    assert "a live run renews it every 0s" in second[0].render()

    state = sink.read_state()
    state.lease_owner = "elsewhere0002@other-host:4242"  # another machine: its process cannot be checked
    state.lease_expires = time.time() + 0.6  # it renewed just now
    sink.write_state(state)
    with pytest.raises(BatchInfraError, match="another key rotation"):
        rotate(clean_emulator.target, account, sink, storage=False, grace=0)
    time.sleep(0.7)  # no renewal came: that run is gone
    report = rotate(clean_emulator.target, account, sink, storage=False, grace=0)
    assert any(
        "took over the lease of run elsewhere0002@other-host:4242: it stopped renewing" in note
        for note in report.notes
    ), report.notes
    assert sink.read().value == batch_keys(clean_emulator, account)["primary"]
    assert sink.read_state().lease_owner == ""


def test_a_second_sink_for_one_account_is_refused_and_the_first_sinks_key_keeps_working(
    clean_emulator: Any, tmp_path: Path
) -> None:
    """Issue 16 item 5: rotating through a second sink would regenerate the key the first sink's consumers
    hold. The first rotation names its sink in a tag on the Batch account; another sink is refused, dry or
    not, with the way to move; the recorded sink rotates as before."""
    account = make_account(clean_emulator)
    first = kv_sink(clean_emulator)
    report = rotate(clean_emulator.target, account, first, storage=False, grace=0)
    assert any(note.startswith("recorded Key Vault secret") for note in report.notes), report.notes
    tags = clean_emulator.batch_mgmt_client().batch_account.get(RG, account.batch_account).tags
    assert tags[SINK_TAG] == first.identity
    held, keys_before = first.read().value, batch_keys(clean_emulator, account)

    second = FileSink(tmp_path / "key.json")
    for dry_run in (True, False):
        with pytest.raises(BatchInfraError, match=f"are published to {first.identity}") as refused:
            rotate(clean_emulator.target, account, second, storage=False, grace=0, dry_run=dry_run)
        assert "az tag update --resource-id" in refused.value.render()
    assert batch_keys(clean_emulator, account) == keys_before and first.read().value == held
    assert not (tmp_path / "key.json").exists()

    report = rotate(clean_emulator.target, account, kv_sink(clean_emulator), storage=False, grace=0)
    assert not any("recorded" in note for note in report.notes)
    assert first.read().value == batch_keys(clean_emulator, account)["primary"] != held


def test_the_sink_the_stack_declares_holds_even_when_azure_lost_the_tag(
    clean_emulator: Any, tmp_path: Path
) -> None:
    """A `pulumi up` that updates the account PUTs only the stack's tags, dropping a tag written by a rotation
    (tests/deployments/test_key_sink_tag.py shows it through the engine); the stack file's declaration then
    still refuses a second sink. Undeclared, the report says how to declare it."""
    account = make_account(clean_emulator)
    first = kv_sink(clean_emulator)
    report = rotate(clean_emulator.target, account, first, storage=False, grace=0)
    assert any(f"add `{SINK_TAG}: {first.identity}` under batch-infra:tags" in n for n in report.notes)
    mgmt = clean_emulator.batch_mgmt_client()
    mgmt.batch_account.update(RG, account.batch_account, {"tags": {}})  # what that `pulumi up` does
    held, keys_before = first.read().value, batch_keys(clean_emulator, account)

    second = FileSink(tmp_path / "key.json")
    with pytest.raises(BatchInfraError, match=f"the stack declares the key sink .* as {first.identity}"):
        rotate(
            clean_emulator.target, account, second, storage=False, grace=0, declared_sink=first.identity
        )
    assert batch_keys(clean_emulator, account) == keys_before and first.read().value == held
    assert not (tmp_path / "key.json").exists()

    report = rotate(
        clean_emulator.target, account, first, storage=False, grace=0, declared_sink=first.identity
    )
    assert not any("under batch-infra:tags" in note for note in report.notes), report.notes
    assert mgmt.batch_account.get(RG, account.batch_account).tags[SINK_TAG] == first.identity
    assert first.read().value == batch_keys(clean_emulator, account)["primary"] != held


def test_keys_changed_by_someone_else_are_never_published(clean_emulator: Any) -> None:
    account = make_account(clean_emulator)
    sink = kv_sink(clean_emulator)
    rotate(clean_emulator.target, account, sink, storage=False, grace=0)
    published = sink.read()

    def regenerate_out_of_band(part: str, step: str) -> None:
        if step == "standby-verified":
            clean_emulator.batch_mgmt_client().batch_account.regenerate_key(
                account.resource_group, account.batch_account, {"keyName": "Primary"}
            )

    with pytest.raises(BatchInfraError, match="changed during this rotation") as refused:
        rotate(clean_emulator.target, account, sink, storage=False, grace=0, on_step=regenerate_out_of_band)

    assert "nothing was published" in refused.value.render()
    assert sink.read() == published and sink.read_state().lease_owner == ""


def test_grace_zero_is_reported_as_a_warning(clean_emulator: Any) -> None:
    account = make_account(clean_emulator)
    report = rotate(clean_emulator.target, account, kv_sink(clean_emulator), storage=False, grace=0)
    assert report.notes[0].startswith("warning: grace 0")
