"""Where an application package path may point: a folder or .zip inside the project, never outside it.

A package is published from the deploying machine, so a path that is absolute or leaves the project
(through `..` or a symlink) would ship whatever that machine has there, and differ from machine to machine.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

MAX_PATH = 1024  # characters; Linux's PATH_MAX is 4096, no package path in a project comes near this
MAX_PART = 255  # characters per path component (NAME_MAX)


def cut(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def package_path_problem(project_dir: Path, rel: Any) -> str | None:
    """Why `rel` cannot be a package path of this project (with the fix), or None when it can."""
    if not isinstance(rel, str) or not rel.strip():
        return "must be the path of a folder or .zip under the project; fix: write e.g. packages/tool/1.0"
    if len(rel) > MAX_PATH or any(len(part) > MAX_PART for part in rel.split("/")):
        return (
            f"{cut(rel)!r} is {len(rel)} characters long, too long for a file path; fix: use the "
            "package's real, short path under the project (e.g. packages/tool/1.0)"
        )
    if os.path.isabs(rel) or rel.startswith("~"):
        return (
            f"{cut(rel)!r} is an absolute path; fix: copy or move the package into the project and "
            "give its path relative to the project directory (e.g. packages/tool/1.0)"
        )
    root = project_dir.resolve()
    try:
        target = (root / rel).resolve()
        inside = target.is_relative_to(root)
        usable = target.is_dir() or (target.is_file() and target.suffix.lower() == ".zip")
    except (OSError, RuntimeError, ValueError) as err:  # a symlink loop, an unreadable folder
        return f"{cut(rel)!r} cannot be resolved ({err}); fix: correct the path or the symlinks on it"
    if not inside:
        return (
            f"{cut(rel)!r} leads outside the project ({target}), through '..' or a symlink; fix: copy "
            "the package into the project so every machine deploys the same content"
        )
    if not usable:
        return f"{cut(rel)!r} is not a folder or .zip under {root}; fix: create it or correct the path"
    return None
