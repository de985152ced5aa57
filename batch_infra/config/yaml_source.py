"""Reads a stack file's YAML defensively: every bad file is a ConfigError naming file, line and fix.

Refused before anything is built from it: files over MAX_BYTES, binary files, encodings other than UTF-8
(UTF-16 and Latin-1 are named as such), nesting deeper than MAX_DEPTH, aliases that expand to more than
MAX_NODES values (an "alias bomb": a few lines that stand for billions of values), duplicate keys (YAML
says keys are unique; PyYAML silently keeps the last one) and syntax errors (with the line and a fix).
The structure is checked on the parser's event stream, which is not recursive, so a 5,000-deep file is
refused without a RecursionError.
Both passes use libyaml when PyYAML has it (30 times faster on a stack of many pools); a file libyaml
refuses is parsed again by the pure-Python parser, whose messages name the offending character.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import yaml

from batch_infra.errors import ConfigError

MAX_BYTES = 1_000_000
MAX_DEPTH = 64
MAX_NODES = 100_000
MAX_SHOWN = 120  # characters of a rejected value echoed back in a message
_FAST_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def shown(value: Any, limit: int = MAX_SHOWN) -> str:
    """repr(value) cut to `limit` characters, without building more than that of it for big containers."""
    if isinstance(value, dict | list | tuple | set) and len(value) > limit:
        return f"<{type(value).__name__} of {len(value)} items>"
    try:
        text = repr(value)
    except RecursionError:
        return f"<{type(value).__name__} nested too deeply to show>"
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def read_yaml(path: Path, source: str) -> Any:
    """The parsed document of a stack file; a ConfigError for anything a stack file cannot be."""
    return parse_text(_text(path, source), source)


def parse_text(text: str, source: str) -> Any:
    """The parsed document of a stack file's text (read_yaml's checks, for text not yet on disk)."""
    _check_structure(text, source)
    try:
        return yaml.load(text, Loader=_FastUniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as err:
        raise ConfigError([f"{source}: {err}"]) from None
    except yaml.YAMLError as err:
        raise ConfigError([_syntax_problem(_python_error(text) or err, source)]) from None


def _python_error(text: str) -> yaml.YAMLError | None:
    """The pure-Python parser's error for a text libyaml refused (its messages are the clearer ones)."""
    try:
        yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey:
        return None
    except yaml.YAMLError as err:
        return err
    return None


def _text(path: Path, source: str) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as err:
        raise ConfigError(
            [
                f"{source}: cannot be read ({err.strerror or err}); fix: check the file's "
                "permissions and that it is a regular file"
            ]
        ) from None
    if len(data) > MAX_BYTES:
        raise ConfigError(
            [
                f"{source}: is larger than {MAX_BYTES:,} bytes, far beyond any stack file; fix: "
                "check that this is the right file"
            ]
        )
    if _utf16(data):
        raise ConfigError(
            [
                f"{source}: is encoded as UTF-16; fix: save it as UTF-8 (e.g. `iconv -f UTF-16 "
                f"-t UTF-8 {path.name} > fixed.yaml`)"
            ]
        )
    if b"\x00" in data:
        raise ConfigError(
            [
                f"{source}: is a binary file, not YAML text; fix: point --stack at the "
                "stack's YAML file (stacks/Pulumi.<stack>.yaml)"
            ]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ConfigError(
            [
                f"{source}: line {line}: byte 0x{data[err.start]:02x} is not UTF-8 (the file looks "
                "Latin-1 or another legacy encoding); fix: save it as UTF-8 (e.g. `iconv -f "
                f"LATIN1 -t UTF-8 {path.name} > fixed.yaml`)"
            ]
        ) from None


def _utf16(data: bytes) -> bool:
    """A UTF-16 BOM, or text whose every other byte is NUL (UTF-16 without a BOM)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    head = data[:64]
    return len(head) >= 4 and (set(head[0::2]) == {0} or set(head[1::2]) == {0})


def _check_structure(text: str, source: str, loader: type = _FAST_SAFE_LOADER) -> None:
    """Depth and alias expansion from the event stream: no recursion, nothing built yet."""
    depth = 0
    sizes: dict[str, int] = {}  # anchor -> values it stands for
    open_nodes: list[tuple[str | None, int]] = []  # (anchor, values inside so far) per open collection
    total = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise ConfigError(
                        [
                            f"{source}: line {event.start_mark.line + 1}: nested more than "
                            f"{MAX_DEPTH} levels deep; fix: a stack file needs a few levels; "
                            "check for a runaway generated file"
                        ]
                    )
                open_nodes.append((event.anchor, 1))
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
                anchor, size = open_nodes.pop()
                if anchor:
                    sizes[anchor] = size
                _add(open_nodes, size)
                continue
            size = sizes.get(event.anchor, 1) if isinstance(event, yaml.AliasEvent) else 1
            if isinstance(event, yaml.ScalarEvent) and event.anchor:
                sizes[event.anchor] = 1
            if isinstance(event, yaml.ScalarEvent | yaml.AliasEvent):
                total += size
                _add(open_nodes, size)
                if total > MAX_NODES:
                    raise ConfigError(
                        [
                            f"{source}: line {event.start_mark.line + 1}: its aliases (*name) "
                            f"expand to more than {MAX_NODES:,} values; fix: write the values out, "
                            "or remove the alias that repeats a large anchor"
                        ]
                    )
    except yaml.YAMLError as err:
        if loader is not yaml.SafeLoader:  # the pure-Python parser's verdict: its depth limit, its message
            _check_structure(text, source, yaml.SafeLoader)
        raise ConfigError([_syntax_problem(err, source)]) from None


def _add(open_nodes: list[tuple[str | None, int]], size: int) -> None:
    if open_nodes:
        anchor, inside = open_nodes[-1]
        open_nodes[-1] = (anchor, inside + size)


def _syntax_problem(err: yaml.YAMLError, source: str) -> str:
    mark = getattr(err, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    problem = getattr(err, "problem", None) or str(err)
    context = getattr(err, "context", None)
    detail = f"{problem} ({context})" if context else problem
    return (
        f"{source}: {where}not valid YAML: {detail}; fix: check the indentation (spaces, not tabs) and "
        "the quoting there: values with ': ', '#', '{' or '[' need quotes"
    )


class _DuplicateKey(yaml.YAMLError):
    pass


class _UniqueKeys:
    """A safe loader's mixin that refuses a key written twice in one mapping (YAML 1.2: keys are unique)."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *base` merges are allowed; keys after them override, as YAML says
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            try:
                first = seen.get(key)
            except TypeError:
                continue  # an unhashable key: SafeLoader's construct_mapping reports it
            if first is not None:
                raise _DuplicateKey(
                    f"line {line}: key {shown(key)} is already set on line {first} (YAML keeps only one of "
                    "them); fix: remove one of the two"
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


class _UniqueKeyLoader(_UniqueKeys, yaml.SafeLoader):
    """The pure-Python parser with unique keys."""


class _FastUniqueKeyLoader(_UniqueKeys, _FAST_SAFE_LOADER):
    """libyaml's parser (when PyYAML was built with it) with unique keys."""
