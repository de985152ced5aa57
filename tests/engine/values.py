"""Property values as the test engine holds them: plain JSON plus two markers, unknown and secret."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The engine marshals an unknown as this string on the wire (provider_plugin.go ~1192); the Python SDK
# turns it into pulumi.output.Unknown. Inside the test engine an unknown is the UNKNOWN object below.
UNKNOWN_GUID = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


class _Unknown:
    """A value not known until the resource that computes it exists (only in previews)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Secret:
    """A value the engine keeps secret in state and outputs (stripped before provider calls)."""

    value: Any


def contains_unknowns(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, Secret):
        return contains_unknowns(value.value)
    if isinstance(value, dict):
        return any(contains_unknowns(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknowns(v) for v in value)
    return False


def strip_secrets(value: Any) -> Any:
    """The plain value with every Secret marker removed (what a provider with acceptSecrets=false gets)."""
    if isinstance(value, Secret):
        return strip_secrets(value.value)
    if isinstance(value, dict):
        return {k: strip_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_secrets(v) for v in value]
    return value
