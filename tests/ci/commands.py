"""The shell commands a CI example runs; a dry parse of each `batch-infra` and `pulumi` one (no execution).

`batch-infra` lines go through the real click parser (unknown commands, options, missing required options
and bad choices fail); `pulumi` lines are checked against the flags of the Pulumi CLI's own cobra
definitions (pulumi_cli_flags.json, read from pulumi/pulumi's source at the commit it names).
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

HERE = Path(__file__).parent
PULUMI = json.loads((HERE / "pulumi_cli_flags.json").read_text())
# Positional arguments each Pulumi command takes (cobra Args): login [url], stack select [name], up [url].
PULUMI_POSITIONALS = {"login": 1, "stack select": 1, "up": 1, "preview": 0, "install": 0}
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")  # GitHub Actions' ${{ ... }}: a value at run time
MACRO = re.compile(r"\$\(([A-Za-z_][\w.]*)\)")  # Azure DevOps' $(name), replaced before bash runs
SEPARATORS = {"&&", "||", "|", ";", "(", ")", "&", "{", "}"}
REDIRECTS = {">", ">>", "<", "2>", "2>&1"}


@dataclass(frozen=True)
class Command:
    where: str  # file and job/step, for messages
    argv: tuple[str, ...]

    @property
    def tool(self) -> str:
        return Path(self.argv[0]).name


def commands(script: str, where: str) -> list[Command]:
    """Every command line of a bash script (continuations joined, comments dropped, split on && | ; etc.)."""
    text = MACRO.sub(r"MACRO_\1", EXPRESSION.sub("EXPR", script.replace("\\\n", " ")))
    found = []
    for line in text.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|(){}<>")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        segment: list[str] = []
        for token in [*lexer, ";"]:
            if token in SEPARATORS:
                if segment:
                    found.append(Command(where, tuple(segment)))
                segment = []
            else:
                segment.append(token)
    return [c for c in map(_without_redirects, found) if c.argv]


def _without_redirects(command: Command) -> Command:
    argv: list[str] = []
    skip = False
    for token in command.argv:
        if skip:
            skip = False
        elif token in REDIRECTS:
            skip = True
        else:
            argv.append(token)
    return Command(command.where, tuple(argv))


def parse_batch_infra(argv: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    """The command path and its parsed parameters; click.ClickException for anything the CLI refuses."""
    from batch_infra.cli.main import cli

    args = list(argv[1:])
    command: click.Command = cli
    context = click.Context(cli, info_name="batch-infra")
    path = []
    while isinstance(command, click.Group):
        if not args or args[0].startswith("-"):
            raise click.UsageError(f"{' '.join(argv)}: no subcommand")
        name = args.pop(0)
        found = command.get_command(context, name)
        if found is None:
            raise click.UsageError(f"{' '.join(argv)}: no such command {name!r}")
        path.append(name)
        command = found
        context = click.Context(command, info_name=name, parent=context)
    parsed = command.make_context(path[-1], args, parent=context.parent)
    return " ".join(path), dict(parsed.params)


def parse_pulumi(argv: tuple[str, ...]) -> tuple[str, dict[str, str | bool]]:
    """The Pulumi command and its flags; ValueError naming the unknown command or flag."""
    args = list(argv[1:])
    words = []
    while args and not args[0].startswith("-") and " ".join([*words, args[0]]) in _prefixes():
        words.append(args.pop(0))
    name = " ".join(words)
    if name not in PULUMI["commands"] or name == "<global>":
        raise ValueError(f"{' '.join(argv)}: `pulumi {name}` is not a command this check knows")
    flags = {**PULUMI["commands"]["<global>"], **PULUMI["commands"][name]}
    shorts = {spec["short"]: long for long, spec in flags.items() if spec["short"]}
    parsed: dict[str, str | bool] = {}
    positionals = []
    while args:
        token = args.pop(0)
        if not token.startswith("-") or token == "-":
            positionals.append(token)
            continue
        key, has_value, value = token.lstrip("-").partition("=")
        long = key if token.startswith("--") else shorts.get(key)
        if long not in flags:
            raise ValueError(f"{' '.join(argv)}: `pulumi {name}` has no flag {token}")
        if flags[long]["takesValue"] and not has_value:
            if not args:
                raise ValueError(f"{' '.join(argv)}: {token} needs a value")
            value = args.pop(0)
        parsed[long] = value if flags[long]["takesValue"] else True
    if len(positionals) > PULUMI_POSITIONALS[name]:
        raise ValueError(f"{' '.join(argv)}: `pulumi {name}` takes {PULUMI_POSITIONALS[name]} argument(s)")
    return name, parsed


def _prefixes() -> set[str]:
    names = [n for n in PULUMI["commands"] if n != "<global>"]
    return {" ".join(n.split()[: i + 1]) for n in names for i in range(len(n.split()))}
