"""Stack config read and written as the Pulumi CLI does (config/key.go, value.go, object.go); a test cipher.

`secure:` values use the TEST ENGINE CIPHER below: a keyed XOR + base64, enough that plaintext never shows
in a file, NOT encryption. Real stacks use a passphrase or a cloud KMS; values written here are for tests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_CIPHER_PREFIX = "testengine:v1:"
_CIPHER_KEY = hashlib.sha256(b"batch-infra test engine cipher (not encryption)").digest()


class ConfigError(Exception):
    """A stack config file or key the CLI would refuse (message names the file/key and the fix)."""


def encrypt(plaintext: str) -> str:
    data = plaintext.encode()
    stream = (_CIPHER_KEY * (len(data) // len(_CIPHER_KEY) + 1))[: len(data)]
    return _CIPHER_PREFIX + base64.b64encode(bytes(a ^ b for a, b in zip(data, stream, strict=True))).decode()


def decrypt(ciphertext: str, where: str = "value") -> str:
    if not isinstance(ciphertext, str) or not ciphertext.startswith(_CIPHER_PREFIX):
        raise ConfigError(
            f"{where}: cannot decrypt {ciphertext!r}: not written by the test engine's cipher "
            "(set it with tests.engine.stack_config.config_set(..., secret=True))"
        )
    data = base64.b64decode(ciphertext[len(_CIPHER_PREFIX) :])
    stream = (_CIPHER_KEY * (len(data) // len(_CIPHER_KEY) + 1))[: len(data)]
    return bytes(a ^ b for a, b in zip(data, stream, strict=True)).decode()


def parse_key(text: str, where: str) -> tuple[str, str]:
    """config/key.go ParseKey: `<namespace>:<name>` or the old `<namespace>:config:<name>`."""
    parts = text.split(":")
    if len(parts) == 2:
        return parts[0], parts[1]
    if len(parts) == 3 and parts[1] == "config":
        return parts[0], parts[2]
    raise ConfigError(
        f"{where}: could not parse {text} as a configuration key "
        "(configuration keys should be of the form `<namespace>:<name>`)"
    )


@dataclass(frozen=True)
class ConfigValue:
    """One top-level key as the CLI passes it to the language host: a string, plus whether it is secret."""

    text: str
    secret: bool


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and list(value) == ["secure"]


def _plain(value: Any, where: str) -> tuple[Any, bool]:
    """The decrypted object and whether any nested value was `secure:` (object.go Secure())."""
    if _is_secure(value):
        return decrypt(value["secure"], where), True
    if isinstance(value, dict):
        out, secret = {}, False
        for k, v in value.items():
            out[str(k)], nested = _plain(v, f"{where}.{k}")
            secret = secret or nested
        return out, secret
    if isinstance(value, list):
        items = [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def _marshal_string(value: Any, where: str) -> ConfigValue:
    """object.go MarshalString: strings as-is, scalars and objects as (Go-compact, key-sorted) JSON."""
    if _is_secure(value):
        return ConfigValue(decrypt(value["secure"], where), True)
    if isinstance(value, str):
        return ConfigValue(value, False)
    plain, secret = _plain(value, where)
    return ConfigValue(json.dumps(plain, sort_keys=True, separators=(",", ":")), secret)


def stack_file(config_dir: Path, stack: str) -> Path:
    return config_dir / f"Pulumi.{stack}.yaml"


def load_stack_config(config_dir: Path, stack: str) -> dict[str, ConfigValue]:
    """`config:` of Pulumi.<stack>.yaml as "ns:key" -> value; a key the CLI cannot parse is refused."""
    path = stack_file(config_dir, stack)
    if not path.is_file():
        raise ConfigError(f"{path}: no such stack config file (create it or pick an existing --stack)")
    data = yaml.safe_load(path.read_text()) or {}
    raw = data.get("config") or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: `config:` must be a map of `<namespace>:<name>` keys")
    result: dict[str, ConfigValue] = {}
    for key, value in raw.items():
        namespace, name = parse_key(str(key), str(path))
        result[f"{namespace}:{name}"] = _marshal_string(value, f"{path}: {key}")
    return result


def language_host_env(config: dict[str, ConfigValue]) -> dict[str, str]:
    """PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS as pulumi-language-python's Run sets them."""
    return {
        "PULUMI_CONFIG": json.dumps({k: v.text for k, v in config.items()}),
        "PULUMI_CONFIG_SECRET_KEYS": json.dumps(sorted(k for k, v in config.items() if v.secret)),
    }


_PATH_TOKEN = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]|\[\"([^\"]+)\"\]")


def _parse_path(path: str) -> list[str | int]:
    """resource.ParsePropertyPath subset: a.b[0].c and ["key.with.dots"]."""
    tokens: list[str | int] = []
    pos = 0
    while pos < len(path):
        match = _PATH_TOKEN.match(path, pos)
        if not match:
            raise ConfigError(f"invalid config path {path!r} at {path[pos:]!r} (use a.b[0].c)")
        name, index, quoted = match.groups()
        tokens.append(int(index) if index is not None else (quoted or name))
        pos = match.end()
    return tokens


def config_set(
    config_dir: Path,
    stack: str,
    key: str,
    value: str,
    *,
    project: str,
    secret: bool = False,
    path: bool = False,
) -> None:
    """`pulumi config set [--secret] [--path] key value`: a key with no namespace gets the project's."""
    file = stack_file(config_dir, stack)
    data = (yaml.safe_load(file.read_text()) if file.exists() else None) or {}
    config = data.setdefault("config", {})
    full = key if ":" in key.split(".")[0].split("[")[0] else f"{project}:{key}"
    stored: Any = {"secure": encrypt(value)} if secret else value
    if not path:
        namespace, name = parse_key(full, f"config key {key!r}")
        config[f"{namespace}:{name}"] = stored
    else:
        tokens = _parse_path(full)
        namespace, name = parse_key(str(tokens[0]), f"config key {key!r}")
        top = f"{namespace}:{name}"
        if len(tokens) == 1:
            config[top] = stored
        else:
            config[top] = _set_path(config.get(top), tokens[1:], stored, key)
    file.write_text(yaml.safe_dump(data, sort_keys=False))


def _set_path(container: Any, tokens: list[str | int], stored: Any, key: str) -> Any:
    head, rest = tokens[0], tokens[1:]
    if isinstance(head, int):
        container = container if isinstance(container, list) else []
        if head > len(container):
            raise ConfigError(
                f"config path {key!r}: index {head} is past the end of a list of {len(container)}"
            )
        if head == len(container):
            container.append(None)
    else:
        container = container if isinstance(container, dict) else {}
    container[head] = (
        stored
        if not rest
        else _set_path(container[head] if _has(container, head) else None, rest, stored, key)
    )
    return container


def _has(container: Any, head: str | int) -> bool:
    return head in container if isinstance(container, dict) else head < len(container)
