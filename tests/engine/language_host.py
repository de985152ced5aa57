"""Runs the program as pulumi-language-python's Run does: Pulumi's exec script, arguments and environment."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.engine.project import LANGUAGE_EXEC, Project, upstream_dir
from tests.engine.stack_config import ConfigValue, language_host_env

ORGANIZATION = "organization"  # what the DIY (file) backend reports
PARALLEL = 16


@dataclass
class ProgramRun:
    exit_code: int
    stdout: str
    stderr: str


def activate_virtualenv(environ: dict[str, str], venv: Path) -> dict[str, str]:
    """toolchain.ActivateVirtualEnv: venv/bin first on PATH, PYTHONHOME dropped, VIRTUAL_ENV set."""
    env = {k: v for k, v in environ.items() if k.upper() not in ("PYTHONHOME", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}" if env.get("PATH") else str(venv / "bin")
    env["VIRTUAL_ENV"] = str(venv)
    return env


def command(project: Project, stack: str, address: str, dry_run: bool) -> list[str]:
    """main.go constructArguments, in its order; PROGRAM and --pwd from getPwdMain."""
    pwd, program = project.pwd_and_program()
    return [
        str(project.python()),
        "-u",
        str(upstream_dir() / LANGUAGE_EXEC),
        "--monitor",
        address,
        "--engine",
        address,
        "--project",
        project.name,
        "--root_directory",
        str(project.root),
        "--stack",
        stack,
        "--pwd",
        str(pwd),
        "--dry_run",
        "true" if dry_run else "false",
        "--parallel",
        str(PARALLEL),
        "--organization",
        ORGANIZATION,
        program,
    ]


def run_program(
    project: Project,
    stack: str,
    config: dict[str, ConfigValue],
    address: str,
    dry_run: bool,
    environ: dict[str, str],
    timeout: float,
) -> ProgramRun:
    venv = project.virtualenv()
    env = activate_virtualenv(environ, venv) if venv else dict(environ)
    env.update(language_host_env(config))
    pwd, _ = project.pwd_and_program()
    completed = subprocess.run(
        command(project, stack, address, dry_run),
        cwd=pwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        # No preexec_fn: it forces fork() in a process whose gRPC threads are serving the monitor, and the
        # child then aborted now and then (exit -6, "skipping fork() handlers"). Without it Python uses vfork;
        # the program exits on its own when the monitor it talks to is gone.
        check=False,
    )
    return ProgramRun(completed.returncode, completed.stdout, completed.stderr)
