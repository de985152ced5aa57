"""The stack file's `azure-native:*` keys: the provider settings (sign-in among them) the CLI shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from batch_infra.config.yaml_source import read_yaml


def azure_native_settings(path: Path) -> dict[str, Any]:
    """`azure-native:*` config of a stack file, secure values as written (`{"secure": ...}`); none for a
    missing file (the stack's loader says what is wrong with it)."""
    if not path.is_file():
        return {}
    document = read_yaml(path, str(path)) or {}
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict):
        return {}
    return {k: v for k, v in config.items() if isinstance(k, str) and k.startswith("azure-native:")}
