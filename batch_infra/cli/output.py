"""az's output conventions for every reading command: `-o json|jsonc|table|tsv|yaml|none` and `--query`.

`table` (the default) is each command's own human view; with `--query` (JMESPath, as az) the queried
result is printed instead, as JSON unless `-o` says otherwise, and `-o table` then renders it as az does
(one row per object, one column per scalar key). `--json` stays as the short form of `-o json`.
Consoles writing to a file or pipe (a CI log) use `COLUMNS`, else a CI-friendly 160 columns, not 80.
"""

from __future__ import annotations

import functools
import io
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # `batch-infra --help` must not pay for rich
    from rich.console import Console

FORMATS = ("json", "jsonc", "table", "tsv", "yaml", "none")
# Formats in which a failed command still prints its error document on stdout (machines read stdout).
DOCUMENT_FORMATS = ("json", "jsonc", "yaml")
CI_WIDTH = 160  # output that is not a terminal (CI logs): wide enough for the plan's tables unwrapped


@dataclass(frozen=True)
class Output:
    """How a command prints its result: the human view, or a document in one of az's formats."""

    format: str = "table"
    query: str | None = None

    @property
    def human(self) -> bool:
        """True when the command's own tables and text are wanted (no document format, no query)."""
        return self.format == "table" and self.query is None

    def emit(self, document: Any) -> None:
        """Print `document` (JSON-shaped) after `--query`, in the chosen format."""
        click.echo(render(select(document, self.query), self.format), nl=False)


def select(document: Any, query: str | None) -> Any:
    """The JMESPath `query` applied to `document` (the whole document without one)."""
    if query is None:
        return document
    import jmespath
    from jmespath.exceptions import JMESPathError

    from batch_infra.errors import UsageError

    try:
        return jmespath.search(query, json.loads(json.dumps(document, default=str)))
    except JMESPathError as err:  # e.g. sum() of a string: the expression parses but cannot apply
        raise UsageError(
            f"--query {query!r} cannot be applied to the result: {str(err).splitlines()[0]}",
            fix="check the expression against the document `-o json` prints (https://jmespath.org)",
        ) from err


def render(value: Any, fmt: str) -> str:
    """`value` as az prints it in `fmt` (ends with a newline unless empty)."""
    if fmt == "none":
        return ""
    if fmt == "json":
        return json.dumps(value, indent=2, default=str) + "\n"
    if fmt == "jsonc":
        return _coloured_json(value)
    if fmt == "yaml":
        import yaml

        return yaml.safe_dump(_plain(value), sort_keys=False, default_flow_style=False, allow_unicode=True)
    if fmt == "tsv":
        return "".join(_tsv_line(item) + "\n" for item in (value if isinstance(value, list) else [value]))
    return _table_text(value)


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _coloured_json(value: Any) -> str:
    from rich.console import Console

    console = Console(file=io.StringIO(), force_terminal=not os.environ.get("NO_COLOR"), width=CI_WIDTH)
    console.print_json(json.dumps(value, default=str), indent=2)
    return console.file.getvalue()


def _tsv_line(item: Any) -> str:
    """One line per item, as az: an object's scalar values by key order (nested objects blank, lists as
    their length), a list's values in order, a scalar as itself."""
    if isinstance(item, Mapping):
        return "\t".join(_tsv_cell(item[k]) for k in sorted(item))
    if isinstance(item, list):
        return "\t".join(_tsv_cell(v) for v in item)
    return _tsv_cell(item)


def _tsv_cell(value: Any) -> str:
    if isinstance(value, list):
        return str(len(value))
    if isinstance(value, Mapping) or value is None:
        return ""
    return str(value)


def _table_text(value: Any) -> str:
    """az's `-o table` of a queried result: one row per object, a column per scalar key, dashes under the
    headers, cells never wrapped (a pipe or a CI log keeps each row on one line)."""
    rows = value if isinstance(value, list) else [value]
    objects = [r if isinstance(r, Mapping) else {"Result": r} for r in rows]
    columns: list[str] = []
    for row in objects:
        columns += [k for k, v in row.items() if k not in columns and not isinstance(v, (Mapping, list))]
    if not columns:
        return ""
    cells = [[_tsv_cell(row.get(c)) for c in columns] for row in objects]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = [columns, ["-" * w for w in widths], *cells]
    return "".join(
        "  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() + "\n" for line in lines
    )


def console(**options: Any) -> Console:
    """A rich console for stdout: the terminal's width; else `COLUMNS`; else 160 (a CI log, not 80)."""
    from rich.console import Console

    if "width" not in options and not os.environ.get("COLUMNS", "").isdigit() and not _tty(options):
        options["width"] = CI_WIDTH
    return Console(**options)


def _tty(options: Mapping[str, Any]) -> bool:
    stream = options.get("file") or (sys.stderr if options.get("stderr") else sys.stdout)
    return bool(getattr(stream, "isatty", lambda: False)())


def _check_query(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        jmespath.compile(value)
    except JMESPathError as err:
        raise click.BadParameter(
            f"{value!r} is not a JMESPath expression ({str(err).splitlines()[0]}); "
            'see https://jmespath.org, e.g. --query "pools[].{id: pool, status: status}"'
        ) from err
    return value


def output_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add `-o/--output`, `--query` and `--json` to a click command; it receives them as `out: Output`."""

    @functools.wraps(command)
    def wrapper(*args: Any, output: str | None, query: str | None, as_json: bool, **kwargs: Any) -> Any:
        if as_json and output not in (None, "json"):
            raise click.UsageError(f"--json and -o {output} disagree: --json is short for -o json")
        fmt = "json" if as_json else output or ("json" if query else "table")
        return command(*args, out=Output(fmt, query), **kwargs)

    for option in reversed(_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


_OPTIONS = (
    click.option(
        "--output",
        "-o",
        "output",
        type=click.Choice(FORMATS),
        help="Output format, as az: table (default: the human view), json, jsonc, yaml, tsv or none.",
    ),
    click.option(
        "--query",
        callback=_check_query,
        metavar="JMESPATH",
        help="JMESPath query of the JSON result, as az (printed as JSON unless -o says otherwise).",
    ),
    click.option("--json", "as_json", is_flag=True, help="Short for -o json."),
)


def wanted_format(argv: list[str]) -> str | None:
    """The document format a command line asks for (`--json`, `-o F`, `--output F`, `-oF`, `--output=F`),
    with `--query` alone meaning json; None for the human view. For error documents, read before click."""
    fmt = "json" if "--json" in argv else None
    for i, arg in enumerate(argv):
        if arg in ("-o", "--output") and i + 1 < len(argv):
            fmt = argv[i + 1]
        elif arg.startswith("--output="):
            fmt = arg.split("=", 1)[1]
        elif arg.startswith("-o") and len(arg) > 2 and not arg.startswith("--"):
            fmt = arg[2:]
    if fmt is None and any(a == "--query" or a.startswith("--query=") for a in argv):
        fmt = "json"
    return fmt
