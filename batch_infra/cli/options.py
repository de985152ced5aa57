"""The options every stack command shares, spelt as Pulumi spells them: `-s/--stack` (or PULUMI_STACK) and
`-C/--cwd` (or `--project-dir`) with the project found from there upwards, as pulumi finds Pulumi.yaml."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from batch_infra.cli.completion import complete_stacks

# Pulumi reads the stack from this variable when -s is not given (pulumi/pulumi#18717, CLI 3.153).
STACK_ENV = "PULUMI_STACK"
PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")
# `org/stack` or `org/project/stack`: Pulumi's qualified names; the stack file is named by the last part.
QUALIFIED = re.compile(r"[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*){1,2}")


def _stack_name(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and QUALIFIED.fullmatch(value):
        return value.rsplit("/", 1)[1]
    return value


def stack_option(*names: str, help: str | None = None) -> Callable[[Any], Any]:  # noqa: A002 - click's word
    """`-s/--stack STACK`, required, defaulting to $PULUMI_STACK as `pulumi` does."""
    return click.option(
        *(names or ("--stack", "-s")),
        "stack",
        required=True,
        envvar=STACK_ENV,
        show_envvar=True,
        metavar="STACK",
        callback=_stack_name,
        shell_complete=complete_stacks,
        help=help or "Stack (environment) name: reads stacks/Pulumi.<STACK>.yaml.",
    )


def find_project(start: Path) -> Path:
    """The nearest folder from `start` upwards that holds Pulumi.yaml, as pulumi looks for its project;
    `start` itself when none does (the stack file errors then say what is missing and where)."""
    if any((start / name).is_file() for name in PROJECT_FILES):
        return start
    for folder in start.resolve().parents:
        if any((folder / name).is_file() for name in PROJECT_FILES):
            return folder
    return start


def _project(_ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path:
    return find_project(value if value is not None else Path("."))


def project_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """`-C/--cwd DIR` (pulumi's spelling; `--project-dir` kept), passed as `project_dir`."""
    return click.option(
        "--cwd",
        "-C",
        "--project-dir",
        "project_dir",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        callback=_project,
        metavar="DIR",
        help="The project: the nearest folder from DIR (default: the current one) upwards that holds "
        "Pulumi.yaml, as pulumi's -C/--cwd finds it.",
    )(command)


AZURE_HELP = (
    "Act on Azure, signed in as pulumi-azure-native is (the stack's azure-native:* config, ARM_*, AZURE_* "
    'or az login; README "Deploying for real"); never an emulator, even with BATCH_INFRA_EMULATOR set.'
)


def azure_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--azure`: the same meaning on every command (never an emulator, even with BATCH_INFRA_EMULATOR)."""
    return click.option("--azure", is_flag=True, help=AZURE_HELP)(command)
