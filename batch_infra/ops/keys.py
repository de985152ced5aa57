"""Zero-downtime rotation of a Batch account's shared keys and auto-storage keys, resumable at any step."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from batch_infra.config import StackConfig
from batch_infra.errors import AzureOperationError, BatchInfraError
from batch_infra.ops.key_sinks import KEY_NAMES, KeySink, PublishedKey, RotationState
from batch_infra.providers import azure_clients
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
STORAGE_STEPS = ("standby-regenerated", "synced", "active-regenerated", "completed")
# storage_phase -> how many of the four storage actions are done. "requested": a run that rotated the Batch
# keys still owes the storage part. Other phases (idle, completed) start a new storage rotation.
STORAGE_PENDING = {"requested": 0, "standby-regenerated": 1, "synced": 2, "active-regenerated": 3}
# Azure does not report which storage key Batch holds. Every rotation ends with a sync after key1 changed, so
# Batch then holds a current key1 (or the newest key), and key2 is the one to regenerate first next time.
STORAGE_STANDBY, STORAGE_ACTIVE = "key2", "key1"

VERIFY_DELAYS = (0.5, 1.0, 2.0, 4.0)  # seconds between data-plane checks of a new key
StepCallback = Callable[[str, str], None]  # (part: "batch" | "storage", step)


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
    dry_run: bool = False,
    on_step: StepCallback | None = None,
) -> RotationReport:
    """Rotate the selected keys; a re-run after an interruption finishes the interrupted rotation."""
    report = RotationReport(account.batch_account, sink.description, dry_run)
    step = on_step or (lambda part, name: None)
    state = sink.read_state()
    if batch and storage and state.phase == "completed" and state.storage_phase in STORAGE_PENDING:
        report.notes.append(
            f"the Batch keys were rotated by the interrupted run {state.rotation_id}; "
            "finishing its auto-storage part"
        )
        batch = False
    if batch:
        BatchKeyRotation(target, account, sink, grace, report, step, storage_requested=storage).run()
    if storage:
        if not dry_run and sink.read() is None:
            raise BatchInfraError(
                f"{sink.description} holds no Batch key, and the rotation records its progress there",
                fix="rotate the Batch keys first (--batch), which publishes a key",
            )
        _rotate_storage(target, account, sink, report, step)
    return report


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
    ) -> None:
        self.target, self.account, self.sink, self.grace = target, account, sink, grace
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
        self._start(in_use)

    def _start(self, in_use: str) -> None:
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
        time.sleep(wait)
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
        from azure.core.exceptions import HttpResponseError

        client = azure_clients.batch_data_client(self.target, self.account.endpoint, value)
        operation = f"verify the new {key_name} key on {self.account.endpoint}"
        for delay in (*VERIFY_DELAYS, None):
            try:
                list(itertools.islice(client.list_pools(), 1))
                return
            except HttpResponseError as err:
                code = getattr(err.error, "code", None) or str(err.status_code)
                if err.status_code not in (401, 403):
                    raise AzureOperationError(operation, code, err.message or str(err)) from err
                if delay is None:
                    raise AzureOperationError(
                        operation,
                        code,
                        f"the regenerated key is still refused after {len(VERIFY_DELAYS) + 1} attempts",
                        fix="nothing was published; re-run `batch-infra keys rotate` in a minute",
                    ) from err
                time.sleep(delay)

    @staticmethod
    def _key_in_use(keys: dict[str, str], published: PublishedKey | None) -> str | None:
        if published is None:
            return None
        return next((name for name, value in keys.items() if value == published.value), None)


def _rotate_storage(
    target: Target, account: AccountRef, sink: KeySink, report: RotationReport, step: StepCallback
) -> None:
    """Auto-storage keys (StorageKeys mode): regenerate the standby key, sync, regenerate the other, sync."""
    if account.storage_account is None or account.storage_mode != "StorageKeys":
        mode = account.storage_mode or "no auto-storage"
        report.notes.append(f"auto-storage keys not rotated: {mode} (Batch holds no storage key)")
        return
    storage = azure_clients.storage_client(target)
    mgmt = azure_clients.batch_mgmt_client(target)
    name, group = account.storage_account, account.storage_resource_group or account.resource_group

    def regenerate(key: str) -> Any:
        from azure.mgmt.storage.models import StorageAccountRegenerateKeyParameters

        return _azure(
            f"regenerate {key} of storage account {name}",
            lambda: storage.storage_accounts.regenerate_key(
                group, name, StorageAccountRegenerateKeyParameters(key_name=key)
            ),
        )

    def sync() -> Any:
        return _azure(
            f"synchronize auto-storage keys of Batch account {account.batch_account}",
            lambda: mgmt.batch_account.synchronize_auto_storage_keys(
                account.resource_group, account.batch_account
            ),
        )

    actions = (
        (
            "standby-regenerated",
            f"regenerate {STORAGE_STANDBY} of {name} (not used by Batch)",
            lambda: regenerate(STORAGE_STANDBY),
        ),
        ("synced", "synchronize auto-storage keys (Batch takes the current keys)", sync),
        ("active-regenerated", f"regenerate {STORAGE_ACTIVE} of {name}", lambda: regenerate(STORAGE_ACTIVE)),
        ("completed", "synchronize auto-storage keys again (Batch holds a current key)", sync),
    )
    state = sink.read_state()
    done = STORAGE_PENDING.get(state.storage_phase, 0)
    if done:
        report.notes.append(f"resuming the auto-storage rotation after {state.storage_phase}")
    for phase, text, action in actions[done:]:
        if report.dry_run:
            report.storage.append(text)
            continue
        action()
        state = sink.read_state()
        state.storage_phase = phase
        sink.write_state(state)
        report.storage.append(f"{text}: done")
        step("storage", phase)


def _other(key_name: str) -> str:
    return "secondary" if key_name == "primary" else "primary"


def _azure(operation: str, call: Callable[[], Any], *, fix: str | None = None) -> Any:
    from azure.core.exceptions import HttpResponseError

    try:
        return call()
    except HttpResponseError as err:
        code = getattr(err.error, "code", None) or str(err.status_code)
        message = getattr(err.error, "message", None) or err.message or str(err)
        raise AzureOperationError(operation, code, message, fix=fix) from err
