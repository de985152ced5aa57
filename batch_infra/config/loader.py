"""Loads a stack's config from its YAML file (CLI) or pulumi.Config (program), with one error for all."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from batch_infra.config.package_paths import package_path_problem
from batch_infra.config.stack import StackConfig
from batch_infra.config.yaml_source import parse_text, read_yaml, shown
from batch_infra.errors import ConfigError, UsageError

NAMESPACE = "batch-infra"
TOP_LEVEL_KEYS = tuple(field.alias or name for name, field in StackConfig.model_fields.items())
STACK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
PLAIN_STRING_KEYS = ("environment", "location")
# What a nested `secure:` value stands for when the stack file is read without the engine (which decrypts).
SECRET_PLACEHOLDER = "[secret]"


@dataclass(frozen=True)
class SecretRef:
    """A `secure:` value of a stack file: present and encrypted; only the Pulumi engine can decrypt it."""

    key: str


# Top-level keys that may hold secure values: everything derived from them reaches Pulumi as a secret.
# The others become Azure names, ids and properties that Azure itself returns in plaintext.
SECRET_SECTIONS = ("pools",)


@dataclass(frozen=True)
class LoadedStack:
    config: StackConfig
    source: str  # how errors name the file, e.g. stacks/Pulumi.prod.yaml
    secrets: frozenset[str]  # config keys stored as secrets (without the namespace)
    raw: dict[str, Any]  # the batch-infra:* values as written, namespace removed
    # Top-level keys with a secure value somewhere inside (the engine does not say where): secret as a whole.
    secret_sections: frozenset[str] = frozenset()


def stack_file(stack: str, project_dir: Path | str = ".") -> Path:
    """stacks/Pulumi.<stack>.yaml under the project; a name that is not a plain name is a usage error."""
    if not STACK_NAME.fullmatch(stack):
        raise UsageError(f"--stack {stack!r} is not a stack name",
                         fix=f"use the environment's name, e.g. dev; {_available(Path(project_dir))}")
    return Path(project_dir) / "stacks" / f"Pulumi.{stack}.yaml"


def existing_stacks(project_dir: Path) -> list[str]:
    """The stacks of a project: the <name> of each stacks/Pulumi.<name>.yaml, sorted."""
    return sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml")
                  for p in (project_dir / "stacks").glob("Pulumi.*.yaml"))


def _did_you_mean(stack: str, project_dir: Path) -> str:
    close = difflib.get_close_matches(stack, existing_stacks(project_dir), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def _available(project_dir: Path) -> str:
    stacks = existing_stacks(project_dir)
    if stacks:
        return f"existing: {', '.join(stacks)}, in {project_dir / 'stacks'}/"
    return (f"{project_dir.resolve()} has no stacks/ folder: run from the project directory (where "
            "Pulumi.yaml is, or below it) or pass -C DIR")


def load_stack_file(
    path: Path | str, *, environment: str | None = None, text: str | None = None
) -> LoadedStack:
    """Read `stacks/Pulumi.<env>.yaml` directly (no Pulumi engine); the environment defaults to <env>.

    `text`: validate this text as if it were the file at `path` (package paths resolve the same), e.g. a
    promotion's result before anything is written."""
    path = Path(path)
    source = display_path(path)
    if text is None and not path.is_file():
        wanted = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        raise ConfigError([f"{source}: no such stack file; fix: {_did_you_mean(wanted, path.parent.parent)}"
                           f"create it, or name an existing stack ({_available(path.parent.parent)})"])
    document = (read_yaml(path, source) if text is None else parse_text(text, source)) or {}
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict):
        raise ConfigError([f"{source}: has no `config:` mapping; "
                           "fix: put the batch-infra:* keys under config:"])
    config, sections = mask_nested_secrets(config)
    values, secrets, problems = _namespace_values(config, source)
    problems += _section_problems(sections, source)
    values.setdefault("environment", environment or path.name.removeprefix("Pulumi.").removesuffix(".yaml"))
    if "location" not in values and isinstance(config.get("azure-native:location"), str):
        values["location"] = config["azure-native:location"]
    validated, problems = _validate(values, source, problems)
    problems += _file_problems(values, source, secrets, path.resolve().parent.parent)
    if problems or validated is None:
        raise ConfigError(problems)
    return LoadedStack(validated, source, frozenset(secrets), values, frozenset(sections))


def mask_nested_secrets(config: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """A stack file's config with each nested `secure:` leaf (`pulumi config set --secret --path`) replaced
    by SECRET_PLACEHOLDER, and the top-level keys (namespace removed) that held one."""
    masked: dict[str, Any] = {}
    sections: set[str] = set()
    for full_key, value in config.items():
        if isinstance(value, (dict, list)) and not _is_secure(value):
            masked[full_key], found = _mask(value)
            if found and str(full_key).startswith(f"{NAMESPACE}:"):
                sections.add(_key_name(str(full_key)))
        else:
            masked[full_key] = value
    return masked, sections


def _mask(value: Any) -> tuple[Any, bool]:
    if _is_secure(value):
        return SECRET_PLACEHOLDER, True
    if isinstance(value, dict):
        pairs = {k: _mask(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(found for _, found in pairs.values())
    if isinstance(value, list):
        items = [_mask(v) for v in value]
        return [v for v, _ in items], any(found for _, found in items)
    return value, False


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def _section_problems(sections: set[str], source: str) -> list[str]:
    """Secure values are carried only where they can stay secret; elsewhere a refusal, never a leak."""
    return [
        f"{source}: {NAMESPACE}:{key}: holds a secure value, but its values become Azure names, ids and "
        "properties that Azure returns in plaintext; fix: store it without --secret, and keep credentials "
        f"in {' or '.join(f'{NAMESPACE}:{s}' for s in SECRET_SECTIONS)} (e.g. a start task's environment) or "
        "in a secret key a pool's userAccounts[].passwordSecret names"
        for key in sorted(sections)
        if key in TOP_LEVEL_KEYS and key not in SECRET_SECTIONS
    ]


def _file_problems(values: dict[str, Any], source: str, secrets: set[str], project_dir: Path) -> list[str]:
    """What only the files around the stack can show: package paths and secret keys that must exist.

    Works on the raw values, so these problems are listed even when the model itself failed.
    """
    problems = []
    for index, app in _items(values.get("applications")):
        for version, rel in ((app.get("packages") or {}).items()
                             if isinstance(app.get("packages"), dict) else ()):
            if problem := package_path_problem(project_dir, rel):
                problems.append(f"{source}: {NAMESPACE}:applications[{index}].packages.{version}: {problem}")
    environment = values.get("environment", "<stack>")
    for index, pool in _items(values.get("pools")):
        for user_index, user in _items(pool.get("userAccounts")):
            name = user.get("passwordSecret")
            if isinstance(name, str) and name not in secrets:
                key = f"pools[{index}].userAccounts[{user_index}].passwordSecret"
                problems.append(f"{source}: {NAMESPACE}:{key}: no secret config key {name!r}; fix: "
                                f"pulumi config set --secret {name} <password> --stack {environment}")
        problems += _section_secret_problems(index, pool, source, secrets, environment)
    return problems


def _section_secret_problems(
    index: int, pool: dict[str, Any], source: str, secrets: set[str], environment: Any
) -> list[str]:
    """Registry passwords, mount keys and protected settings name secret config keys (config.secret_refs)."""
    from batch_infra.config.secret_refs import references

    sections = ("containerConfiguration", "mountConfiguration", "extensions", "startTask")
    named = sorted({k for section in sections for k in references(pool.get(section))})
    return [f"{source}: {NAMESPACE}:pools[{index}]: names secret config key {name!r}, which the stack "
            f"does not hold as a secret; fix: pulumi config set --secret {name} <value> --stack {environment}"
            for name in named if name not in secrets]


def _items(value: Any) -> list[tuple[int, dict[str, Any]]]:
    return ([(i, item) for i, item in enumerate(value) if isinstance(item, dict)]
            if isinstance(value, list) else [])


def load_pulumi_config(project_dir: Path | str = ".") -> LoadedStack:
    """Inside a Pulumi program: every `batch-infra:*` key the engine passed, with the CLI's checks.

    Secrets stay with the engine: their keys are noted (user passwords must name one) and read
    later as Outputs.
    """
    import pulumi
    from pulumi.runtime import config as runtime_config

    stack = pulumi.get_stack()
    source = f"stacks/Pulumi.{stack}.yaml"
    passed = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    secret_keys = set(runtime_config.get_config_secret_keys_env()) | set(runtime_config._SECRET_KEYS.get())
    # The engine lists a top-level key as secret when any value inside it is secure, and still passes the
    # value: a known section is decoded (and kept secret by the program); any other secret is a value the
    # program reads itself through pulumi.Config (e.g. a password a passwordSecret names).
    sections = {_key_name(k) for k in secret_keys if _is_section(k)}
    engine_view = {
        key: ({"secure": "(engine)"} if key in secret_keys and not _is_section(key) else _decode(key, value))
        for key, value in passed.items()
    }
    values, secrets, problems = _namespace_values(engine_view, source)
    problems += _section_problems(sections, source)
    values.setdefault("environment", stack)
    if "location" not in values and isinstance(engine_view.get("azure-native:location"), str):
        values["location"] = engine_view["azure-native:location"]
    validated, problems = _validate(values, source, problems)
    problems += _file_problems(values, source, secrets, Path(project_dir))
    if problems or validated is None:
        raise ConfigError(problems)
    return LoadedStack(validated, source, frozenset(secrets), values, frozenset(sections))


def _is_section(full_key: str) -> bool:
    namespace, _, _ = full_key.partition(":")
    return namespace == NAMESPACE and _key_name(full_key) in TOP_LEVEL_KEYS


def _key_name(full_key: str) -> str:
    """The name of `<namespace>:<name>` or of the old `<namespace>:config:<name>` form (config/key.go)."""
    return full_key.partition(":")[2].removeprefix("config:")


def _decode(full_key: str, value: Any) -> Any:
    """The engine passes every value as a string; structured ones are JSON, plain strings are as written."""
    if not isinstance(value, str) or full_key.partition(":")[2] in PLAIN_STRING_KEYS:
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def _namespace_values(config: dict[str, Any], source: str) -> tuple[dict[str, Any], set[str], list[str]]:
    values: dict[str, Any] = {}
    secrets: set[str] = set()
    problems: list[str] = []
    for full_key, value in config.items():
        namespace, colon, _ = str(full_key).partition(":")
        key = _key_name(str(full_key))
        if problem := _namespace_problem(str(full_key), namespace, bool(colon), key):
            problems.append(f"{source}: {problem}")
            continue
        if namespace != NAMESPACE or not key:
            continue
        if isinstance(value, dict) and set(value) == {"secure"}:
            secrets.add(key)
            continue
        if key not in TOP_LEVEL_KEYS:
            problems.append(f"{source}: {full_key}: unknown key; fix: {_suggest(key, TOP_LEVEL_KEYS)}")
            continue
        values[key] = value
    return values, secrets, problems


def _namespace_problem(full_key: str, namespace: str, has_colon: bool, key: str) -> str | None:
    """A key meant for batch-infra that the engine would never hand it (no namespace, a misspelt one)."""
    if not has_colon:
        # The Pulumi CLI refuses it (config/key.go ParseKey); say what it should be.
        return (f"{full_key}: a config key needs a namespace, and the Pulumi CLI refuses this one; fix: "
                f"did you mean {NAMESPACE}:{_closest(full_key)}?")
    if namespace == NAMESPACE or not _looks_like_ours(namespace):
        return None
    return (f"{full_key}: namespace {namespace!r} is not batch-infra's, so the program would never see "
            f"this key; fix: did you mean {NAMESPACE}:{_closest(key)}?")


def _looks_like_ours(namespace: str) -> bool:
    folded = re.sub(r"[^a-z0-9]", "", namespace.lower())
    return folded == NAMESPACE.replace("-", "") or difflib.SequenceMatcher(
        None, namespace.lower(), NAMESPACE
    ).ratio() >= 0.8


def _closest(key: str) -> str:
    close = difflib.get_close_matches(key, TOP_LEVEL_KEYS, n=1)
    return close[0] if close else key


def _validate(
    values: dict[str, Any], source: str, problems: list[str]
) -> tuple[StackConfig | None, list[str]]:
    """The validated config (None when the model itself failed) and every problem found so far."""
    config: StackConfig | None = None
    try:
        config = StackConfig.model_validate(values)
    except ValidationError as err:
        problems = problems + [_format(error, source) for error in err.errors()]
    if config is not None:
        problems = problems + [f"{source}: {NAMESPACE}:{key}: {message}"
                               for key, message in config.cross_problems()]
    return config, problems


def _format(error: dict[str, Any], source: str) -> str:
    loc = [part for part in error["loc"] if not (isinstance(part, str) and part.startswith("function-"))]
    loc += (error.get("ctx") or {}).get("at", [])
    kind = error["type"]
    if kind == "extra_forbidden":
        message = f"unknown key; fix: {_suggest(str(loc[-1]), _allowed_keys(loc[:-1]))}"
    elif kind == "batch_infra":
        message = error["msg"]
    else:
        message = f"{_plain(error)}; fix: {_builtin_fix(error, loc)}"
    return f"{source}: {NAMESPACE}:{_key_path(loc)}: {message}"


def _plain(error: dict[str, Any]) -> str:
    if error["type"] == "missing":
        return "required key is missing"
    got = error.get("input")
    return f"{error['msg'][:1].lower()}{error['msg'][1:]}; got {shown(got)}"


def _builtin_fix(error: dict[str, Any], loc: list[Any]) -> str:
    """The fix for pydantic's own checks (types, ranges, enums), so every problem says how to resolve it."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return f"add {loc[-1]}" if loc else "add it"
    if kind in ("literal_error", "enum"):
        return f"use exactly one of {ctx.get('expected', 'the listed values')} (values are case-sensitive)"
    bounds = {"greater_than": "above", "greater_than_equal": "at least", "less_than": "below",
              "less_than_equal": "at most"}
    if kind in bounds:
        limit = next(iter(v for k, v in ctx.items() if k in ("gt", "ge", "lt", "le")), "the limit")
        return f"use a value {bounds[kind]} {limit}"
    if kind in ("too_short", "too_long"):
        return f"give between {ctx.get('min_length', 0)} and {ctx.get('max_length', 'any number of')} items"
    kinds = {"int": "a whole number", "float": "a number", "bool": "true or false", "string": "text",
             "dict": "a mapping of key: value", "list": "a list (- item per line)",
             "model": "a mapping of keys"}
    for prefix, wanted in kinds.items():
        if kind.startswith(prefix):
            return f"write {wanted} here"
    return "correct the value as described"


def _key_path(loc: list[Any]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _allowed_keys(loc: list[Any]) -> list[str]:
    """The keys the model at `loc` accepts, for 'did you mean' fixes on unknown keys."""
    model: Any = StackConfig
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None)
        model = _model_of(field.annotation) if field else None
    if model is None:
        return []
    return [f.alias or n for n, f in model.model_fields.items()]


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        if found := _model_of(arg):
            return found
    return None


def _suggest(key: str, allowed: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"remove it; valid keys here: {', '.join(allowed)}" if allowed else "remove it"


def display_path(path: Path) -> str:
    """A path as messages show it: relative to the current directory when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
