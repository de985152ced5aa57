"""The replay manifest: one row per copied example (where it came from, how to replay it, and any known
exception with its reason). Rows are checked on load so a bad row names itself and the fix."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
MANIFEST = HERE / "manifest.json"
# More rows, one file per provider (manifests/network.json...): the same row format as manifest.json.
MANIFESTS = HERE / "manifests"
EXAMPLES = HERE / "examples"
METHODS = ("GET", "PUT", "PATCH", "POST", "DELETE", "HEAD")
_REQUIRED = ("example", "provider", "apiVersion", "operation", "request", "source")
_OPTIONAL = (
    "prerequisites",
    "bodyParameter",
    "query",
    "schema",
    "instanceSpecific",
    "superset",
    "exception",
    "note",
)


class ManifestError(ValueError):
    """A manifest row that cannot be replayed as written."""


@dataclass(frozen=True)
class Row:
    example: str
    provider: str
    api_version: str
    operation: str
    method: str
    path: str
    source: dict[str, str]
    prerequisites: list[dict[str, Any]] = field(default_factory=list)
    body_parameter: str | None = None
    query: list[str] = field(default_factory=list)
    schema: dict[str, str] | None = None
    instance_specific: dict[str, str] = field(default_factory=dict)
    superset: dict[str, str] = field(default_factory=dict)  # list path -> why Azure answers more items
    exception: str | None = None

    @property
    def id(self) -> str:
        return self.example.removesuffix(".json")

    def load_example(self) -> dict[str, Any]:
        return json.loads((EXAMPLES / self.example).read_text())


def load(path: Path = MANIFEST, more: Path | None = MANIFESTS) -> list[Row]:
    """The rows of `path`, then of every `*.json` under `more` (sorted by name)."""
    files = [path, *(sorted(more.glob("*.json")) if more is not None and more.is_dir() else [])]
    loaded: list[Row] = []
    seen: dict[str, str] = {}
    for file in files:
        for row in _rows(file):
            if row.example in seen:
                raise ManifestError(
                    f"{file.name}: example {row.example} is listed twice (also in {seen[row.example]}); "
                    "keep one row"
                )
            seen[row.example] = file.name
            loaded.append(row)
    return loaded


def _rows(path: Path) -> list[Row]:
    rows = json.loads(path.read_text())
    if not isinstance(rows, list):
        raise ManifestError(f"{path}: the manifest must be a JSON list of rows")
    return [_row(raw, f"{path.name} row {index}") for index, raw in enumerate(rows)]


def _row(raw: Any, where: str) -> Row:
    if not isinstance(raw, dict):
        raise ManifestError(f"{where}: a row must be an object with keys {', '.join(_REQUIRED)}")
    missing = [key for key in _REQUIRED if key not in raw]
    unknown = sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL))
    if missing or unknown:
        raise ManifestError(
            f"{where} ({raw.get('example', '?')}): missing {missing or 'nothing'}, "
            f"unknown {unknown or 'nothing'}"
            f"; the keys are {', '.join(_REQUIRED + _OPTIONAL)}"
        )
    method, _, path = str(raw["request"]).partition(" ")
    if method not in METHODS or not path.startswith(("/", "{")):
        raise ManifestError(
            f"{where} ({raw['example']}): request must be 'METHOD /path/{{param}}', e.g. "
            f"'GET /subscriptions/{{subscriptionId}}/resourcegroups/{{resourceGroupName}}'"
        )
    if not (EXAMPLES / raw["example"]).is_file():
        raise ManifestError(f"{where}: example file {EXAMPLES / raw['example']} does not exist; copy it in")
    if not {"repo", "path", "commit"} <= set(raw["source"]):
        raise ManifestError(f"{where} ({raw['example']}): source needs repo, path and commit")
    row = Row(
        example=raw["example"],
        provider=raw["provider"],
        api_version=raw["apiVersion"],
        operation=raw["operation"],
        method=method,
        path=path,
        source=raw["source"],
        prerequisites=list(raw.get("prerequisites", [])),
        body_parameter=raw.get("bodyParameter"),
        query=list(raw.get("query", [])),
        schema=raw.get("schema"),
        instance_specific=dict(raw.get("instanceSpecific", {})),
        superset=dict(raw.get("superset", {})),
        exception=raw.get("exception"),
    )
    declared = row.load_example().get("operationId")
    if declared and declared != row.operation:
        raise ManifestError(f"{where}: {row.example} is an example of {declared}, not {row.operation}")
    return row
