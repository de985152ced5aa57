"""The project as the CLI sees it: Pulumi.yaml, getPwdMain, the virtualenv, and Pulumi's own scripts."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

LANGUAGE_EXEC = "pulumi-language-python-exec"
DYNAMIC_PLUGIN = "pulumi-resource-pulumi-python"


class ProjectError(Exception):
    """The project cannot be run the way the Pulumi CLI would run it (message names the file and the fix)."""


@dataclass(frozen=True)
class Project:
    root: Path
    name: str
    main: str | None
    runtime_options: dict[str, Any]
    stack_config_dir: Path

    @classmethod
    def load(cls, root: Path | str) -> Project:
        root = Path(root).resolve()
        path = root / "Pulumi.yaml"
        if not path.is_file():
            raise ProjectError(f"{path}: no Pulumi.yaml (run from the project root or pass --cwd)")
        data = yaml.safe_load(path.read_text()) or {}
        runtime = data.get("runtime")
        options = runtime.get("options", {}) if isinstance(runtime, dict) else {}
        name = runtime.get("name") if isinstance(runtime, dict) else runtime
        if name != "python":
            raise ProjectError(f"{path}: runtime {name!r}: the test engine runs Python programs only")
        if "name" not in data:
            raise ProjectError(f"{path}: missing `name:` (the project name is part of every URN)")
        return cls(
            root=root,
            name=str(data["name"]),
            main=data.get("main"),
            runtime_options=dict(options or {}),
            stack_config_dir=root / data.get("stackConfigDir", "."),
        )

    def pwd_and_program(self) -> tuple[Path, str]:
        """pkg/engine/project.go getPwdMain: the program's working directory and its entry point."""
        if not self.main:
            return self.root, "."
        main = Path(self.main) if os.path.isabs(self.main) else Path(os.path.normpath(self.root / self.main))
        if not main.exists():
            raise ProjectError(f"project 'main' could not be read: stat {main}: no such file or directory")
        if main.is_dir():
            return main, "."
        return main.parent, main.name

    def virtualenv(self) -> Path | None:
        """toolchain/pip.go resolveVirtualEnvironmentPath: relative to the root, for the program."""
        venv = self.runtime_options.get("virtualenv")
        if not venv:
            return None
        return Path(venv) if os.path.isabs(venv) else self.root / venv

    def python(self) -> Path:
        venv = self.virtualenv()
        if venv is None:
            raise ProjectError(
                f"{self.root / 'Pulumi.yaml'}: no runtime.options.virtualenv; the test engine runs programs "
                "in the project's virtualenv only (set `virtualenv: .venv`)"
            )
        python = venv / "bin" / "python"
        if not python.exists():
            raise ProjectError(
                f"The 'virtualenv' option in Pulumi.yaml is set to {str(venv)!r}, but {python} doesn't exist "
                "(run ./scripts/setup.sh)"
            )
        return python


def upstream_dir(start: Path | None = None) -> Path:
    """Pulumi's scripts, kept at <repository>/../shared/reference/pulumi-engine/upstream (CI has it too)."""
    here = Path(start or __file__).resolve()
    candidates = [parent.parent / "shared/reference/pulumi-engine/upstream" for parent in here.parents]
    override = os.environ.get("BATCH_INFRA_PULUMI_UPSTREAM")
    if override:
        candidates.insert(0, Path(override))
    for candidate in candidates:
        if (candidate / LANGUAGE_EXEC).is_file() and (candidate / DYNAMIC_PLUGIN).is_file():
            return candidate
    raise ProjectError(
        f"Pulumi's scripts {LANGUAGE_EXEC} and {DYNAMIC_PLUGIN} were not found in "
        "<repository>/../shared/reference/pulumi-engine/upstream/ (searched from "
        f"{here}); check out `shared/` next to the repository or set BATCH_INFRA_PULUMI_UPSTREAM"
    )
