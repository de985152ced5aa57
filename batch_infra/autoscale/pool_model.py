"""Nodes of one kind in a simulated pool: ready, provisioning batches and nodes leaving after their tasks."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

# $NodeDeallocationOption values that let running tasks finish before the node leaves the pool.
WAIT_FOR_TASKS = frozenset({"taskcompletion", "retaineddata"})


@dataclass
class Shrink:
    """What a resize down did to running tasks: requeued (back to the queue, progress lost), terminated
    (lost), or draining (they finish on nodes that leave afterwards)."""

    requeued: float = 0.0
    terminated: float = 0.0
    draining: float = 0.0


class NodeGroup:
    """Dedicated or Spot nodes. Provisioning and leaving nodes are kept as (time, count) batches, so a
    target of millions of nodes costs one entry, not one per node."""

    def __init__(self) -> None:
        self.ready = 0
        self.pending: deque[list[float]] = deque()  # [ready_time, count], in ready-time order
        self.leaving: deque[list[float]] = deque()  # [leave_time, count, tasks still running on them]
        self.pending_count = 0
        self.leaving_count = 0
        self.leaving_tasks = 0.0

    @property
    def allocated(self) -> int:
        """Nodes in the pool in any state, as the pool's currentDedicatedNodes counts them."""
        return self.ready + self.pending_count + self.leaving_count

    @property
    def kept(self) -> int:
        """Nodes that count toward the target: ready plus provisioning (leaving ones are on their way out)."""
        return self.ready + self.pending_count

    def advance(self, now: float) -> float:
        """Provisioned nodes become ready, drained ones leave; return the tasks the drained nodes finished."""
        while self.pending and self.pending[0][0] <= now:
            _, count = self.pending.popleft()
            self.ready += int(count)
            self.pending_count -= int(count)
        finished = 0.0
        while self.leaving and self.leaving[0][0] <= now:
            _, count, tasks = self.leaving.popleft()
            self.leaving_count -= int(count)
            self.leaving_tasks -= tasks
            finished += tasks
        return finished

    def resize(
        self, target: int, now: float, delay: float, running: float, slots: int, option: str, drain: float
    ) -> Shrink:
        """Move toward `target`; `running` tasks occupy the ready nodes, `slots` per node."""
        added = target - self.kept
        if added >= 0:
            if added:
                self.pending.append([now + delay, added])
                self.pending_count += added
            return Shrink()
        surplus = self.kept - target
        surplus -= self._drop_pending(surplus)
        busy = min(self.ready, math.ceil(running / slots)) if running > 0 else 0
        idle_removed = min(surplus, self.ready - busy)
        self.ready -= idle_removed
        busy_removed = surplus - idle_removed
        if busy_removed <= 0:
            return Shrink()
        tasks = running * busy_removed / busy
        self.ready -= busy_removed
        if option in WAIT_FOR_TASKS:  # the node stays (and is billed) until its tasks complete
            self.leaving.append([now + drain, busy_removed, tasks])
            self.leaving_count += busy_removed
            self.leaving_tasks += tasks
            return Shrink(draining=tasks)
        return Shrink(terminated=tasks) if option == "terminate" else Shrink(requeued=tasks)

    def _drop_pending(self, surplus: int) -> int:
        """Cancel the newest provisioning nodes first; returns how many were cancelled."""
        dropped = 0
        while self.pending and dropped < surplus:
            batch = self.pending[-1]
            take = min(int(batch[1]), surplus - dropped)
            batch[1] -= take
            dropped += take
            if batch[1] == 0:
                self.pending.pop()
        self.pending_count -= dropped
        return dropped
