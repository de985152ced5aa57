"""The interface every provider the test engine drives implements: dynamic (gRPC plugin) and azure-native.

Values are plain JSON plus tests.engine.values.UNKNOWN (previews only). Secrets are stripped by the engine
before a call and re-marked on same-named top-level outputs afterwards, as Pulumi's engine does for a
provider that answers acceptSecrets=false.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class CheckFailure:
    property: str
    reason: str


@dataclass
class DiffResult:
    changes: bool | None  # None: the provider could not tell
    replaces: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    diffs: list[str] = field(default_factory=list)  # top-level keys that changed


@dataclass
class ReadResult:
    id: str
    outputs: dict[str, Any]
    inputs: dict[str, Any] | None


class ProviderError(Exception):
    """A provider call failed; the message is what the engine would show the user for that resource."""


class ResourceProvider(Protocol):
    def check(
        self, urn: str, type_token: str, olds: dict[str, Any] | None, news: dict[str, Any]
    ) -> tuple[dict[str, Any], list[CheckFailure]]: ...

    def diff(
        self,
        urn: str,
        type_token: str,
        id: str,
        old_outputs: dict[str, Any],
        old_inputs: dict[str, Any],
        news: dict[str, Any],
    ) -> DiffResult: ...

    def create(
        self, urn: str, type_token: str, inputs: dict[str, Any], preview: bool
    ) -> tuple[str | None, dict[str, Any]]: ...

    def update(
        self,
        urn: str,
        type_token: str,
        id: str,
        old_outputs: dict[str, Any],
        old_inputs: dict[str, Any],
        news: dict[str, Any],
        preview: bool,
    ) -> dict[str, Any]: ...

    def read(
        self,
        urn: str,
        type_token: str,
        id: str,
        inputs: dict[str, Any] | None,
        state: dict[str, Any] | None,
    ) -> ReadResult | None: ...  # None: the resource no longer exists

    def delete(self, urn: str, type_token: str, id: str, outputs: dict[str, Any]) -> None: ...
