"""Process lifetime: children that die with their parent, and work directories of dead processes swept.

Shared by the emulator (its Azurite) and the CLI (its embedded emulator): SIGKILL skips every handler,
`finally` and atexit, so only the kernel (a parent-death signal) and the next run (a sweep) can clean up.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent() -> Callable[[], None] | None:
    """A Popen preexec_fn that makes Linux send the child SIGTERM when its parent dies, even by SIGKILL.

    Linux ties the signal to the parent *thread* that starts the child: call Popen from a thread that
    lives as long as the child should (the main thread). Elsewhere than Linux there is no such call (None).
    """
    if not sys.platform.startswith("linux"):
        return None
    parent = os.getpid()
    libc = ctypes.CDLL(None, use_errno=True)

    def arm() -> None:  # runs in the child, between fork and exec; the setting survives exec
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl: nobody would signal us
            os._exit(1)

    return arm


def remove_dead_workdirs(prefix: str, root: Path | None = None) -> list[Path]:
    """Delete the directories `<prefix><pid>-*` under `root` (the temp dir) whose process `pid` is gone."""
    pattern = re.compile(re.escape(prefix) + r"(\d+)-")
    removed = []
    for path in Path(root or tempfile.gettempdir()).glob(prefix + "*"):
        found = pattern.match(path.name)
        if found and not _alive(int(found.group(1))):
            shutil.rmtree(path, ignore_errors=True)  # another sweeper may be removing it at the same time
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True
