"""Promotion: copy promotable keys from one stack file into another, validated, keeping comments and order."""

from __future__ import annotations

import copy
import io
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.tokens import CommentToken

from batch_infra.config import StackConfig, load_stack_file, stack_file
from batch_infra.config.base import is_promotable
from batch_infra.config.loader import NAMESPACE, display_path, existing_stacks
from batch_infra.errors import BatchInfraError, ConfigError
from batch_infra.suggestions import did_you_mean

ABSENT = None  # how a Change shows a key that is not set


class PromotionRefused(ConfigError):
    """The source, or the target as promotion would leave it, is invalid; nothing was written."""

    def __init__(self, what: str, problems: list[str]) -> None:
        super().__init__(problems)
        self.message = f"promotion refused: {what}\n{self.message}"
        self.args = (self.render(),)


@dataclass(frozen=True)
class Change:
    """One promoted key: its path in the target (entities named by id), plain values before and after."""

    path: str
    before: Any
    after: Any


@dataclass
class Plan:
    source: str
    target: str
    changes: list[Change] = field(default_factory=list)
    # What promotion left alone and why (entities only in one file, keys the source does not set).
    notes: list[str] = field(default_factory=list)
    text: str = ""  # the target file as promotion leaves it
    written: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.source,
            "to": self.target,
            "changes": [{"path": c.path, "before": c.before, "after": c.after} for c in self.changes],
            "notes": self.notes,
            "written": self.written,
        }


def round_trip_yaml() -> YAML:
    """ruamel.yaml set up to write stack files the way they are written in this repo."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long command lines or formulas
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def promote(source_env: str, target_env: str, project_dir: Path | str = ".", *, write: bool = False) -> Plan:
    """Plan (with `write`, apply) promotion of one stack's promotable keys into another's stack file."""
    if source_env == target_env:
        raise ConfigError([f"--from and --to are both {source_env!r}; fix: promote between two stacks"])
    source_path, target_path = stack_file(source_env, project_dir), stack_file(target_env, project_dir)
    for env, path, role in ((source_env, source_path, "source"), (target_env, target_path, "target")):
        _exists(env, path, "--from" if role == "source" else "--to")
        try:
            load_stack_file(path, environment=env)
        except ConfigError as err:
            what = f"the {role} stack {path} is invalid (fix it first)"
            raise PromotionRefused(what, err.problems) from err
    yaml = round_trip_yaml()
    source_doc = _read(yaml, source_path)
    target_doc = _read(yaml, target_path)
    plan = Plan(source=str(source_path), target=str(target_path))
    promote_documents(source_doc, target_doc, plan)
    buffer = io.StringIO()
    yaml.dump(target_doc, buffer)
    plan.text = buffer.getvalue()
    _validate_and_write(plan, target_path, target_env, write=write and bool(plan.changes))
    return plan


def _exists(env: str, path: Path, option: str) -> None:
    """A missing stack file is missing (not "invalid"), named by the option that asked for it."""
    if path.is_file():
        return
    existing = existing_stacks(path.parent.parent)
    raise ConfigError(
        [
            f"{option} {env}: there is no stack file {display_path(path)}; fix:{did_you_mean(env, existing)} "
            f"pass {option} one of the existing stacks ({', '.join(existing) or 'none'}), or create "
            f"{display_path(path)} first"
        ]
    )


def promote_documents(source_doc: Any, target_doc: Any, plan: Plan) -> None:
    """Apply promotion to the round-trip `target_doc` in place, recording every change and note in `plan`."""
    source_config, target_config = _config_of(source_doc, plan.source), _config_of(target_doc, plan.target)
    for name, info in StackConfig.model_fields.items():
        key = info.alias or name
        full_key = f"{NAMESPACE}:{key}"
        _promote_field(info, key, source_config, target_config, key, plan, yaml_key=full_key)


def _promote_field(
    info: Any, key: str, source: Any, target: Any, path: str, plan: Plan, *, yaml_key: str
) -> None:
    annotation = info.annotation
    if is_promotable(info):
        _copy_value(annotation, yaml_key, source, target, path, plan)
        return
    if not _holds_promotable(annotation) or yaml_key not in source:
        return
    if yaml_key not in target:
        plan.notes.append(
            f"{path}: the target sets no {key}; its promotable keys were not copied "
            f"(add {key} to the target first)"
        )
        return
    model = _model_of(annotation)
    if _is_list(annotation):
        _promote_entities(model, source[yaml_key], target[yaml_key], path, plan)
    elif isinstance(source[yaml_key], dict) and isinstance(target[yaml_key], dict):
        _promote_model(model, source[yaml_key], target[yaml_key], path, plan)


def _promote_model(model: type[BaseModel], source: Any, target: Any, path: str, plan: Plan) -> None:
    for name, info in model.model_fields.items():
        key = info.alias or name
        _promote_field(info, key, source, target, f"{path}.{key}", plan, yaml_key=key)


def _promote_entities(model: type[BaseModel], source: Any, target: Any, path: str, plan: Plan) -> None:
    """Lists of pools or applications (by id) or of a pool's extensions (by name): matched by that key
    (case-insensitive, as in Batch), never by index."""
    key = next((k for k in ("id", "name") if k in model.model_fields), None)
    if key is None or not isinstance(source, list) or not isinstance(target, list):
        return
    by_id = {str(item.get(key, "")).lower(): item for item in target if isinstance(item, dict)}
    for item in source:
        if not isinstance(item, dict):
            continue
        entity_id = str(item.get(key, ""))
        match = by_id.get(entity_id.lower())
        if match is None:
            plan.notes.append(
                f"{path}[{entity_id}]: only in the source; not created in the target "
                "(declare it there with its own sizes and names, then promote)"
            )
            continue
        # Paths name the entity as the file being changed spells it (ids match case-insensitively).
        _promote_model(model, item, match, f"{path}[{match.get(key, entity_id)}]", plan)


def _copy_value(annotation: Any, key: str, source: Any, target: Any, path: str, plan: Plan) -> None:
    if key not in source:
        if key in target:
            plan.notes.append(f"{path}: not set in the source; the target keeps its value")
        return
    is_mapping = typing.get_origin(_strip_optional(annotation)) is dict
    if is_mapping and isinstance(source[key], dict) and key in target:
        _merge_entries(source[key], target[key], path, plan)
        return
    before = _plain(target[key]) if key in target else ABSENT
    after = _plain(source[key])
    if before == after:
        return
    if key in target and isinstance(target[key], dict) and isinstance(source[key], dict):
        _sync_mapping(source[key], target[key])
    else:
        _replace(target, key, _fresh(source[key]))
    plan.changes.append(Change(path, before, after))


def _merge_entries(source: Any, target: Any, path: str, plan: Plan) -> None:
    """Mappings such as packages (version -> path): each source entry lands with its value; the target keeps
    entries the source lacks, because pools or rollbacks there may still name them."""
    if not isinstance(target, dict):
        return
    for entry, value in source.items():
        existing = next((k for k in target if str(k).lower() == str(entry).lower()), None)
        before = _plain(target[existing]) if existing is not None else ABSENT
        if before == _plain(value):
            continue
        spelled = existing if existing is not None else entry
        target[spelled] = _fresh(value)
        plan.changes.append(Change(f"{path}.{spelled}", before, _plain(value)))


def _sync_mapping(source: Any, target: Any) -> None:
    """Make `target` equal to `source` in place, so comments on keys that stay are kept."""
    carried = [_take_following_comment(target, key) for key in target if key not in source]
    for key in [k for k in target if k not in source]:
        del target[key]
    for key, value in source.items():
        if key in target and isinstance(target[key], dict) and isinstance(value, dict):
            _sync_mapping(value, target[key])
        elif key not in target or _plain(target[key]) != _plain(value):
            _replace(target, key, _fresh(value))
    _put_following_comment(target, "".join(c for c in carried if c))


def _replace(target: Any, key: Any, value: Any) -> None:
    """Set `target[key]`; full-line comments after the old value's last line describe what follows it, so
    they move to the new value's end."""
    carried = _take_following_comment(target, key) if isinstance(target.get(key), (dict, list)) else ""
    target[key] = value
    _put_following_comment(target, carried)


def _take_following_comment(node: Any, key: Any) -> str:
    """Remove and return the full-line comments after entry `key` of `node` (at any depth of its value);
    the entry's own inline comment stays (it goes with the entry)."""
    value = node[key]
    if isinstance(value, (CommentedMap, CommentedSeq)) and len(value):
        return _take_following_comment(value, _last(value))
    token = node.ca.items.get(key, [None] * 4)[2] if isinstance(node, (CommentedMap, CommentedSeq)) else None
    if token is None or "\n" not in token.value:
        return ""
    inline, _, following = token.value.partition("\n")
    token.value = inline + "\n"
    return following


def _put_following_comment(node: Any, text: str) -> None:
    """Attach full-line comment `text` after the last line of `node` (its deepest last entry)."""
    if not text or not isinstance(node, (CommentedMap, CommentedSeq)) or not len(node):
        return
    key = _last(node)
    if isinstance(node[key], (CommentedMap, CommentedSeq)) and len(node[key]):
        _put_following_comment(node[key], text)
        return
    entry = node.ca.items.setdefault(key, [None] * 4)
    if entry[2] is None:
        entry[2] = CommentToken("\n" + text, _mark(), None)
    else:
        entry[2].value = entry[2].value.rstrip("\n") + "\n" + text


def _last(node: Any) -> Any:
    return next(reversed(node)) if isinstance(node, CommentedMap) else len(node) - 1


def _mark() -> Any:
    from ruamel.yaml.error import CommentMark

    return CommentMark(0)


def _fresh(value: Any) -> Any:
    """A copy of a source node without the source file's comments (they describe the source)."""
    duplicate = copy.deepcopy(value)
    _drop_comments(duplicate)
    return duplicate


def _drop_comments(node: Any) -> None:
    if isinstance(node, (CommentedMap, CommentedSeq)):
        node.ca.items.clear()
        node.ca.comment = None
        for child in node.values() if isinstance(node, CommentedMap) else node:
            _drop_comments(child)


def _plain(value: Any) -> Any:
    """JSON-ready values (ruamel's scalar subclasses and containers unwrapped) for diffs and comparison."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


def _strip_optional(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return args[0]
    return annotation


def _is_list(annotation: Any) -> bool:
    return typing.get_origin(_strip_optional(annotation)) is list


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        if found := _model_of(arg):
            return found
    return None


def _holds_promotable(annotation: Any) -> bool:
    model = _model_of(annotation)
    if model is None:
        return False
    fields = model.model_fields.values()
    return any(is_promotable(info) or _holds_promotable(info.annotation) for info in fields)


def _config_of(document: Any, source: str) -> Any:
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict):
        raise ConfigError([f"{source}: has no `config:` mapping; fix: put the batch-infra:* keys under it"])
    return config


def _read(yaml: YAML, path: Path) -> Any:
    if not path.is_file():
        raise ConfigError([f"{path}: no such stack file; fix: create it or pass an existing stack name"])
    return yaml.load(path.read_text())


def _validate_and_write(plan: Plan, target_path: Path, target_env: str, *, write: bool) -> None:
    """Validate the promoted text with the full model as the target file (package paths resolve the same),
    in memory: a preview writes nothing (a read-only checkout can still be previewed). With `write`, a
    sibling file then atomically replaces the target."""
    try:
        load_stack_file(target_path, environment=target_env, text=plan.text)
    except ConfigError as err:
        raise PromotionRefused(f"{target_path} would be invalid after promotion", err.problems) from err
    if not write:
        return
    scratch = target_path.with_name(f".{target_path.name}.promote-{os.getpid()}")
    try:
        try:
            scratch.write_text(plan.text)
        except OSError as err:
            raise BatchInfraError(
                f"{target_path}: cannot write beside it ({err.strerror or err}), so --write cannot "
                "replace it",
                fix="make stacks/ writable, or drop --write to preview the promotion",
            ) from err
        if target_path.exists():
            os.chmod(scratch, target_path.stat().st_mode & 0o777)
        os.replace(scratch, target_path)
        plan.written = True
    finally:
        scratch.unlink(missing_ok=True)
