"""Linux /proc lookups for tests that signal CLI and emulator processes: children, group members, exit."""

from __future__ import annotations

import time
from pathlib import Path


def _stats() -> list[tuple[int, list[str]]]:
    """(pid, fields after the command name) of every live process; fields[0] state, [1] ppid, [2] pgid."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found.append((int(entry.name), (entry / "stat").read_text().rsplit(")", 1)[1].split()))
            except OSError:
                continue  # exited while we looked
    return found


def children(pid: int) -> list[int]:
    return [child for child, fields in _stats() if int(fields[1]) == pid]


def group_members(pgid: int) -> list[int]:
    """Processes of group `pgid` that have not exited (zombies count as exited)."""
    return [member for member, fields in _stats() if int(fields[2]) == pgid and fields[0] != "Z"]


def gone(pid: int) -> bool:
    """True once `pid` has exited (a zombie nobody reaped yet counts as exited)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "State:\tZ" in status


def wait_until(condition, timeout: float, interval: float = 0.02) -> bool:  # noqa: ANN001 - any callable
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True
