"""Stopping a plugin the way Pulumi's plugin host does: the whole process tree, never only its first process.

Pulumi's `pulumi-resource-pulumi-python` is a shell script that runs `python -m pulumi.dynamic` as its child
(no exec), so terminating the shell alone leaves the provider server running with no parent. Pulumi kills
the plugin's children too (sdk/go/common/util/cmdutil KillChildren, from plugin.go's Close); started in a
session of its own, the whole tree is one process group, so one signal reaches all of it.
"""

from __future__ import annotations

import os
import signal
import subprocess


def stop_process_tree(process: subprocess.Popen, *, grace_seconds: float = 10.0) -> None:
    """SIGTERM the process group of `process` (started with start_new_session=True), then SIGKILL."""
    if process.poll() is None or _group_alive(process.pid):
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            pass
        _signal_group(process.pid, signal.SIGKILL)
        process.wait(timeout=grace_seconds)


def kill_process_tree(process: subprocess.Popen) -> None:
    """SIGKILL the whole process group at once, with no grace: a crash, as the crash matrix needs."""
    _signal_group(process.pid, signal.SIGKILL)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass  # the whole group has already exited


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
