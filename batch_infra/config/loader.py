"""Loading a stack's config from its YAML file (CLI) or from pulumi.Config (program), with one error for all."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from batch_infra.config.stack import StackConfig
from batch_infra.errors import ConfigError

NAMESPACE = "batch-infra"
TOP_LEVEL_KEYS = tuple(field.alias or name for name, field in StackConfig.model_fields.items())
PLAIN_STRING_KEYS = ("environment", "location")


@dataclass(frozen=True)
class SecretRef:
    """A `secure:` value of a stack file: present and encrypted; only the Pulumi engine can decrypt it."""

    key: str


@dataclass(frozen=True)
class LoadedStack:
    config: StackConfig
    source: str  # how errors name the file, e.g. stacks/Pulumi.prod.yaml
    secrets: frozenset[str]  # config keys stored as secrets (without the namespace)
    raw: dict[str, Any]  # the batch-infra:* values as written, namespace removed


def stack_file(stack: str, project_dir: Path | str = ".") -> Path:
    return Path(project_dir) / "stacks" / f"Pulumi.{stack}.yaml"


def load_stack_file(path: Path | str, *, environment: str | None = None) -> LoadedStack:
    """Read `stacks/Pulumi.<env>.yaml` directly (no Pulumi engine); the environment defaults to <env>."""
    path = Path(path)
    source = _display(path)
    if not path.is_file():
        raise ConfigError([f"{source}: no such stack file; fix: create it or pass an existing --stack"])
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise ConfigError([f"{source}: not valid YAML: {err}"]) from err
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict):
        raise ConfigError([f"{source}: has no `config:` mapping; fix: put the batch-infra:* keys under config:"])
    values, secrets, problems = _namespace_values(config, source)
    values.setdefault("environment", environment or path.name.removeprefix("Pulumi.").removesuffix(".yaml"))
    if "location" not in values and isinstance(config.get("azure-native:location"), str):
        values["location"] = config["azure-native:location"]
    validated, problems = _validate(values, source, problems)
    if validated is not None:
        problems += _file_problems(validated, source, secrets, path.resolve().parent.parent)
    if problems or validated is None:
        raise ConfigError(problems)
    return LoadedStack(validated, source, frozenset(secrets), values)


def _file_problems(config: StackConfig, source: str, secrets: set[str], project_dir: Path) -> list[str]:
    """What only the files around the stack can show: package paths and secret keys that must exist."""
    problems = []
    for index, app in enumerate(config.applications):
        for version, rel in app.packages.items():
            target = project_dir / rel
            if not (target.is_dir() or (target.is_file() and target.suffix.lower() == ".zip")):
                problems.append(f"{source}: {NAMESPACE}:applications[{index}].packages.{version}: {rel!r} is not a "
                                f"folder or .zip under {project_dir}; fix: create it or correct the path")
    for index, pool in enumerate(config.pools):
        for user_index, user in enumerate(pool.user_accounts):
            if user.password_secret and user.password_secret not in secrets:
                key = f"pools[{index}].userAccounts[{user_index}].passwordSecret"
                problems.append(f"{source}: {NAMESPACE}:{key}: no secret config key {user.password_secret!r}; fix: "
                                f"pulumi config set --secret {user.password_secret} <password> --stack {config.environment}")
    return problems


def load_pulumi_config() -> LoadedStack:
    """Inside a Pulumi program: the same model, fed from pulumi.Config (secrets stay Outputs, read later)."""
    import pulumi

    config = pulumi.Config(NAMESPACE)
    stack = pulumi.get_stack()
    source = f"stacks/Pulumi.{stack}.yaml"
    values: dict[str, Any] = {}
    for key in TOP_LEVEL_KEYS:
        # The engine hands plain strings over as written; only structured values arrive as JSON.
        value = config.get(key) if key in PLAIN_STRING_KEYS else config.get_object(key)
        if value is not None:
            values[key] = value
    values.setdefault("environment", stack)
    if "location" not in values and (location := pulumi.Config("azure-native").get("location")):
        values["location"] = location
    validated, problems = _validate(values, source, [])
    if problems or validated is None:
        raise ConfigError(problems)
    return LoadedStack(validated, source, frozenset(), values)


def _namespace_values(config: dict[str, Any], source: str) -> tuple[dict[str, Any], set[str], list[str]]:
    values: dict[str, Any] = {}
    secrets: set[str] = set()
    problems: list[str] = []
    for full_key, value in config.items():
        namespace, _, key = str(full_key).partition(":")
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


def _validate(values: dict[str, Any], source: str, problems: list[str]) -> tuple[StackConfig | None, list[str]]:
    """The validated config (None when the model itself failed) and every problem found so far."""
    config: StackConfig | None = None
    try:
        config = StackConfig.model_validate(values)
    except ValidationError as err:
        problems = problems + [_format(error, source) for error in err.errors()]
    if config is not None:
        problems = problems + [f"{source}: {NAMESPACE}:{key}: {message}" for key, message in config.cross_problems()]
    return config, problems


def _format(error: dict[str, Any], source: str) -> str:
    loc = [part for part in error["loc"] if not (isinstance(part, str) and part.startswith("function-"))]
    path = _key_path(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        message = f"unknown key; fix: {_suggest(str(loc[-1]), _allowed_keys(loc[:-1]))}"
    elif kind == "missing":
        message = "required key is missing; fix: add it"
    elif kind == "batch_infra":
        message = error["msg"]
    elif kind.startswith("literal_error"):
        message = f"{error['msg']}; got {error.get('input')!r}"
    else:
        message = f"{error['msg']}; got {error.get('input')!r}"
    return f"{source}: {NAMESPACE}:{path}: {message}"


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


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
