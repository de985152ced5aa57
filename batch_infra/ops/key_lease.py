"""One key rotation at a time per sink: a lease in the sink's progress record, kept alive by a heartbeat."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid

from batch_infra.errors import BatchInfraError
from batch_infra.ops.key_sinks import RERUN, KeySink, PublishedKey, RotationState

LEASE_SECONDS = 120.0  # a holder that has not renewed its lease for this long is gone, wherever it ran
LEASE_SECONDS_ENV = "BATCH_INFRA_KEYS_LEASE_SECONDS"  # tests shorten it


def lease_seconds() -> float:
    raw = os.environ.get(LEASE_SECONDS_ENV, "")
    try:
        return float(raw) if raw else LEASE_SECONDS
    except ValueError:
        raise BatchInfraError(
            f"{LEASE_SECONDS_ENV}={raw!r} is not a number of seconds",
            fix=f"unset it (default {LEASE_SECONDS:g})",
        ) from None


class RotationLease:
    """The run stamps its id and an expiry into the sink's progress record, re-reads it to see that it won,
    stamps every later write, and renews the expiry every third of the lease from a heartbeat thread while it
    waits (for consumers, for storage propagation, for Azure). A killed run stops renewing, so a re-run takes
    over after at most `seconds` on any host, at once on this host (its process is checked). Sinks offer no
    compare-and-swap, so two runs starting within one read-write of each other can both pass; the re-read of
    the Batch keys before publishing (ops.keys) catches what that leaves."""

    def __init__(self, sink: KeySink, seconds: float | None = None) -> None:
        # The owner names its process, so a later run on the same host can tell a dead holder from a live one.
        self.sink, self.seconds = sink, seconds if seconds is not None else lease_seconds()
        self.owner = f"{uuid.uuid4().hex[:12]}@{socket.gethostname()}:{os.getpid()}"
        self.took_over: str | None = None  # why this run took another run's lease, for the report
        self.lock = threading.Lock()  # the heartbeat and the run's own writes never interleave
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None
        self.missed_beats: list[str] = []  # renewals that failed (the next write re-checks the lease)

    def acquire(self) -> None:
        with self.lock:
            state = self.sink.read_state()
            self._refuse_if_held(state)
            self._stamp(state)
            self.sink.write_state(state)
            self._refuse_if_held(self.sink.read_state())
        self._heartbeat = threading.Thread(target=self._beat, name="key-rotation-lease", daemon=True)
        self._heartbeat.start()

    def stamp(self, state: RotationState) -> RotationState:
        """Before every write (the caller holds `lock`): still ours (else another run took over), extended."""
        self._refuse_if_held(self.sink.read_state())
        return self._stamp(state)

    def release(self) -> None:
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
        with self.lock:
            state = self.sink.read_state()
            if state.lease_owner == self.owner:
                state.lease_owner, state.lease_expires = "", 0.0
                self.sink.write_state(state)

    def _beat(self) -> None:
        while not self._stop.wait(self.seconds / 3):
            try:
                with self.lock:
                    state = self.sink.read_state()
                    if state.lease_owner != self.owner:
                        return  # taken over (we were silent too long): the next write refuses, loudly
                    self.sink.write_state(self._stamp(state))
            except Exception as err:  # noqa: BLE001 - kept, not swallowed: the report shows missed beats
                self.missed_beats.append(f"{type(err).__name__}: {err}"[:200])

    def _stamp(self, state: RotationState) -> RotationState:
        state.lease_owner, state.lease_expires = self.owner, time.time() + self.seconds
        return state

    def _refuse_if_held(self, state: RotationState) -> None:
        if not state.lease_owner or state.lease_owner == self.owner:
            return
        silent = time.time() - (state.lease_expires - self.seconds)
        if state.lease_expires <= time.time():
            self.took_over = (
                f"{state.lease_owner}: it stopped renewing its lease {silent:.0f}s ago (a live run renews "
                f"every {self.seconds / 3:.0f}s)"
            )
            return
        if holder_is_gone(state.lease_owner):
            self.took_over = f"{state.lease_owner}: its process no longer runs on this host"
            return
        left = state.lease_expires - time.time()
        raise BatchInfraError(
            f"another key rotation (run {state.lease_owner}) holds {self.sink.description}; it renewed its "
            f"lease {max(silent, 0):.0f}s ago; two rotations at once would regenerate a key consumers hold",
            fix=f"let that run finish; if it died, {RERUN} after {left:.0f}s, when its lease has expired "
            f"(a live run renews it every {self.seconds / 3:.0f}s; a run that died on this machine is taken "
            "over at once)",
        )


def holder_is_gone(owner: str) -> bool:
    """Whether a lease owner `<id>@<host>:<pid>` is a process of this host that no longer runs. A holder on
    another host, or one written before owners named their process, cannot be checked: its expiry tells."""
    _, _, where = owner.partition("@")
    host, _, pid = where.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, under another user
    return False


class LeasedSink:
    """The sink as one rotation writes it: every write carries (and first checks) the run's lease."""

    def __init__(self, sink: KeySink, lease: RotationLease) -> None:
        self.sink, self.lease, self.description = sink, lease, sink.description

    def read(self) -> PublishedKey | None:
        return self.sink.read()

    def read_state(self) -> RotationState:
        return self.sink.read_state()

    def publish(self, key: PublishedKey, state: RotationState) -> None:
        with self.lease.lock:
            self.sink.publish(key, self.lease.stamp(state))

    def write_state(self, state: RotationState) -> None:
        with self.lease.lock:
            self.sink.write_state(self.lease.stamp(state))
