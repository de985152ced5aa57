"""Zero-downtime rotation of a Batch account's shared keys and auto-storage keys, resumable at any step."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from batch_infra.config import StackConfig
from batch_infra.errors import AzureOperationError, BatchInfraError, azure_error_code
from batch_infra.ops.key_lease import LeasedSink, RotationLease
from batch_infra.ops.key_sink_claim import claim_sink
from batch_infra.ops.key_sinks import (
    KEY_NAMES,
    RERUN,
    KeySink,
    PublishedKey,
    RotationState,
)
from batch_infra.ops.storage_keys import DEFAULT_PROPAGATION, STORAGE_PENDING, STORAGE_STEPS, rotate_storage
from batch_infra.providers import azure_clients, azure_failures
from batch_infra.providers.azure_clients import Target

# Steps reported to `on_step` (the CLI's progress, the tests' fault points), in order.
BATCH_STEPS = (
    "discovered",
    "standby-regenerated",
    "standby-verified",
    "published",
    "consumers-switched",
    "old-regenerated",
    "recorded",
)
__all__ = ["BATCH_STEPS", "STORAGE_STEPS", "AccountRef", "RotationReport", "resolve_account", "rotate"]

VERIFY_DELAYS = (0.5, 1.0, 2.0, 4.0)  # seconds between data-plane checks of a new key
StepCallback = Callable[[str, str], None]  # (part: "batch" | "storage", step)
# Waits for consumers or nodes: (seconds, what for). The CLI shows a countdown; the default just sleeps.
Sleeper = Callable[[float, str], None]


def plain_sleep(seconds: float, _why: str) -> None:
    time.sleep(seconds)


@dataclass(frozen=True)
class AccountRef:
    resource_group: str
    batch_account: str
    endpoint: str  # the Batch account's data-plane endpoint
    storage_account: str | None  # auto-storage account name (None: no auto-storage)
    storage_resource_group: str | None
    storage_mode: str | None  # StorageKeys | BatchAccountManagedIdentity


@dataclass
class RotationReport:
    """What was (or, with dry_run, would be) done; key names only, never key values."""

    account: str
    sink: str
    dry_run: bool
    batch: list[str] = field(default_factory=list)
    storage: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "sink": self.sink,
            "dryRun": self.dry_run,
            "batch": self.batch,
            "storage": self.storage,
            "notes": self.notes,
        }


def resolve_account(target: Target, config: StackConfig) -> AccountRef:
    """The stack's Batch account as Azure describes it: data-plane endpoint and auto-storage link."""
    names = config.names()
    account = _azure(
        f"read Batch account {names.batch_account}",
        lambda: azure_clients.batch_mgmt_client(target).batch_account.get(
            names.resource_group, names.batch_account
        ),
        fix="deploy the stack first (pulumi up) or check the subscription",
    )
    auto = account.auto_storage
    storage_id = auto.storage_account_id if auto else None
    parts = storage_id.split("/") if storage_id else []
    mode = getattr(auto.authentication_mode, "value", auto.authentication_mode) if auto else None
    return AccountRef(
        resource_group=names.resource_group,
        batch_account=names.batch_account,
        endpoint=account.account_endpoint,
        storage_account=parts[-1] if parts else None,
        storage_resource_group=parts[4] if len(parts) > 4 else None,
        storage_mode=(mode or "StorageKeys") if auto else None,  # Azure omits the mode when it is the default
    )


def rotate(
    target: Target,
    account: AccountRef,
    sink: KeySink,
    *,
    batch: bool = True,
    storage: bool = True,
    grace: float = 60.0,
    storage_propagation: float = DEFAULT_PROPAGATION,
    dry_run: bool = False,
    on_step: StepCallback | None = None,
    sleep: Sleeper = plain_sleep,
    declared_sink: str | None = None,
) -> RotationReport:
    """Rotate the selected keys; a re-run after an interruption finishes the interrupted rotation.

    One run at a time per sink (a lease in the sink, renewed by a heartbeat); the lease is given back however
    the run ends, and outlives a killed process only until it expires (key_lease.LEASE_SECONDS)."""
    report = RotationReport(account.batch_account, sink.description, dry_run)
    if batch and grace <= 0:
        report.notes.append(
            "warning: grace 0 regenerates the old key right after publishing the new one; a consumer that "
            "read the key a moment before fails (give --grace at least the longest a consumer keeps a key)"
        )
    # Storage keys have no consumers outside the Batch service: only the Batch key's sink is claimed.
    claim = (
        claim_sink(target, account, sink, dry_run=dry_run, azure=_azure, declared=declared_sink)
        if batch
        else None
    )
    if claim:
        report.notes.append(claim)
    if dry_run:
        _run(target, account, sink, report, on_step, batch, storage, grace, storage_propagation, sleep)
        return report
    lease = RotationLease(sink)
    lease.acquire()
    if lease.took_over:
        report.notes.append(
            f"took over the lease of run {lease.took_over}; the rotation resumes where that run stopped"
        )
    try:
        leased = LeasedSink(sink, lease)
        _run(target, account, leased, report, on_step, batch, storage, grace, storage_propagation, sleep)
    finally:
        lease.release()
    if lease.missed_beats:
        report.notes.append(
            f"warning: {len(lease.missed_beats)} lease renewal(s) failed (last: {lease.missed_beats[-1]}); "
            "every write still checked that the lease was this run's"
        )
    return report


def _run(
    target: Target,
    account: AccountRef,
    sink: KeySink,
    report: RotationReport,
    on_step: StepCallback | None,
    batch: bool,
    storage: bool,
    grace: float,
    propagation: float,
    sleep: Sleeper = plain_sleep,
) -> None:
    step = on_step or (lambda part, name: None)
    state = sink.read_state()
    if batch and storage and state.phase == "completed" and state.storage_phase in STORAGE_PENDING:
        report.notes.append(
            f"the Batch keys were rotated by the interrupted run {state.rotation_id}; "
            "finishing its auto-storage part"
        )
        batch = False
    if batch:
        BatchKeyRotation(
            target, account, sink, grace, report, step, storage_requested=storage, sleep=sleep
        ).run()
    if storage:
        # Without a Batch key in the sink (AAD-only stacks) the progress is recorded there all the same.
        rotate_storage(
            target, account, sink, report, step, propagation=propagation, azure=_azure, sleep=sleep
        )


class BatchKeyRotation:
    """Consumers on key A: regenerate B, prove B works, publish B, wait for consumers, regenerate A."""

    def __init__(
        self,
        target: Target,
        account: AccountRef,
        sink: KeySink,
        grace: float,
        report: RotationReport,
        step: StepCallback,
        *,
        storage_requested: bool = False,
        sleep: Sleeper = plain_sleep,
    ) -> None:
        self.target, self.account, self.sink, self.grace = target, account, sink, grace
        self.sleep = sleep
        self.storage_requested = storage_requested
        self.report, self.step = report, step
        self.mgmt = azure_clients.batch_mgmt_client(target)

    def run(self) -> None:
        keys = self._keys()
        published, state = self.sink.read(), self.sink.read_state()
        in_use = self._key_in_use(keys, published)
        self.step("batch", "discovered")
        if in_use is None:
            in_use = self._bootstrap(keys)
        if state.phase == "published" and state.to_key == in_use and state.from_key in KEY_NAMES:
            self.report.notes.append(f"resuming rotation {state.rotation_id}: {in_use} is already published")
            self._finish(state, wait=max(0.0, state.published_at + self.grace - time.time()))
            return
        self._start(in_use, keys)

    def _start(self, in_use: str, keys: dict[str, str]) -> None:
        standby = _other(in_use)
        if self.report.dry_run:
            self.report.batch += [
                f"regenerate {standby} (unused)",
                f"verify {standby} on the data plane",
                f"publish {standby} to {self.sink.description}",
                f"wait {self.grace:g}s for consumers to switch",
                f"regenerate {in_use}",
            ]
            return
        value = self._regenerate(standby)
        self._done("standby-regenerated", f"regenerated {standby} (unused)")
        self._verify(standby, value)
        self._done("standby-verified", f"verified {standby} on the data plane")
        self._still_current({standby: value, in_use: keys[in_use]})
        storage_phase = "requested" if self.storage_requested else self.sink.read_state().storage_phase
        state = RotationState(
            phase="published",
            rotation_id=uuid.uuid4().hex[:12],
            from_key=in_use,
            to_key=standby,
            published_at=time.time(),
            storage_phase=storage_phase,
        )
        self.sink.publish(PublishedKey(self.account.batch_account, standby, value), state)
        self._done("published", f"published {standby} to {self.sink.description}")
        self._finish(state, wait=self.grace)

    def _finish(self, state: RotationState, *, wait: float) -> None:
        if self.report.dry_run:
            self.report.batch += [f"wait {wait:g}s for consumers to switch", f"regenerate {state.from_key}"]
            return
        # Consumers re-read the sink; the grace covers a read just before publishing and its use just after.
        self.sleep(wait, f"for consumers to switch to the {state.to_key} key")
        self._done("consumers-switched", f"waited {wait:g}s for consumers to switch to {state.to_key}")
        self._regenerate(state.from_key)
        self._done("old-regenerated", f"regenerated {state.from_key} (no longer published)")
        state.phase = "completed"
        self.sink.write_state(state)
        self._done("recorded", "recorded the rotation as completed")

    def _bootstrap(self, keys: dict[str, str]) -> str:
        """An empty sink gets the primary key first: consumers have a key before anything is regenerated."""
        if self.sink.read() is not None:
            raise BatchInfraError(
                f"the key in {self.sink.description} is neither current key of Batch account "
                f"{self.account.batch_account}: its consumers are already failing",
                fix="remove that secret or file and re-run: rotate publishes the primary key before rotating",
            )
        if self.report.dry_run:
            self.report.batch.append(f"publish primary to the empty {self.sink.description}")
            return "primary"
        state = RotationState(
            phase="completed", to_key="primary", storage_phase=self.sink.read_state().storage_phase
        )
        self.sink.publish(PublishedKey(self.account.batch_account, "primary", keys["primary"]), state)
        self.report.batch.append(f"published primary to the empty {self.sink.description}")
        return "primary"

    def _still_current(self, expected: dict[str, str]) -> None:
        """Just before publishing: another rotation (or someone in the portal) may have regenerated a key
        since we read them; publishing then would hand consumers a dead key."""
        now = self._keys()
        changed = [name for name, value in expected.items() if now[name] != value]
        if changed:
            raise BatchInfraError(
                f"the {' and '.join(changed)} key of Batch account {self.account.batch_account} changed "
                "during this rotation (another rotation, or a regeneration in the portal); "
                "nothing was published",
                fix=f"make sure nothing else rotates these keys, then {RERUN}",
            )

    def _done(self, step: str, text: str) -> None:
        self.report.batch.append(text)
        self.step("batch", step)

    def _keys(self) -> dict[str, str]:
        found = _azure(
            f"list the keys of Batch account {self.account.batch_account}",
            lambda: self.mgmt.batch_account.get_keys(self.account.resource_group, self.account.batch_account),
            fix="the account must allow SharedKey (allowedAuthenticationModes) and you need "
            "Contributor on it",
        )
        return {"primary": found.primary, "secondary": found.secondary}

    def _regenerate(self, key_name: str) -> str:
        from azure.mgmt.batch.models import BatchAccountRegenerateKeyParameters

        found = _azure(
            f"regenerate the {key_name} key of Batch account {self.account.batch_account}",
            lambda: self.mgmt.batch_account.regenerate_key(
                self.account.resource_group,
                self.account.batch_account,
                BatchAccountRegenerateKeyParameters(key_name=key_name.capitalize()),
            ),
            fix="re-run `batch-infra keys rotate`: it resumes where it stopped",
        )
        return found.primary if key_name == "primary" else found.secondary

    def _verify(self, key_name: str, value: str) -> None:
        """A data-plane call signed with the new key before anyone is told to use it; a new key can take a
        moment to reach every Batch front end, so refusals (401/403) are retried, other errors are not."""
        from azure.core.exceptions import AzureError, HttpResponseError

        client = azure_clients.batch_data_client(self.target, self.account.endpoint, value)
        operation = f"verify the new {key_name} key on {self.account.endpoint}"
        for delay in (*VERIFY_DELAYS, None):
            try:
                list(itertools.islice(client.list_pools(), 1))
                return
            except HttpResponseError as err:
                code = azure_error_code(err)
                if err.status_code not in (401, 403):
                    raise azure_failures.azure_failure(
                        operation, err, fix=f"nothing was published; {RERUN}"
                    ) from err
                if delay is None:
                    raise AzureOperationError(
                        operation,
                        code,
                        f"the regenerated key is still refused after {len(VERIFY_DELAYS) + 1} attempts",
                        fix="nothing was published; re-run `batch-infra keys rotate` in a minute",
                    ) from err
                time.sleep(delay)
            except AzureError as err:  # no answer at all, after the retry policy's tries
                raise azure_failures.azure_failure(
                    operation, err, fix=f"nothing was published; {RERUN}"
                ) from err

    @staticmethod
    def _key_in_use(keys: dict[str, str], published: PublishedKey | None) -> str | None:
        if published is None:
            return None
        return next((name for name, value in keys.items() if value == published.value), None)


KEYS_ACCESS = "Contributor on the Batch account (listKeys and regenerateKey need it)"


def _other(key_name: str) -> str:
    return "secondary" if key_name == "primary" else "primary"


def _azure(operation: str, call: Callable[[], Any], *, fix: str | None = None) -> Any:
    """Run one Azure call; a failure becomes an AzureOperationError whose fix matches its cause (a 403 says
    which role; throttling says it was throttling, never that a role is missing)."""
    return azure_failures.call(operation, call, access=KEYS_ACCESS, fix=fix)
