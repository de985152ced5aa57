"""Validate emulator responses against the Azure REST spec extracts (JSON schema of a definition, plus no
unknown properties), so the emulator can never drift from Azure's published shapes.

    assert_matches_spec(body, "resources/resource-manager/.../resources.extract.json", "ResourceGroup")

`spec_file` is relative to the specs root (../shared/reference/specs/specification, or env BATCH_INFRA_SPECS).
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag

from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPECS_ROOT = Path(
    os.environ.get(
        "BATCH_INFRA_SPECS",
        Path(__file__).resolve().parents[3] / "shared" / "reference" / "specs" / "specification",
    )
)

RESOURCES_SPEC = (
    "resources/resource-manager/Microsoft.Resources/resources/stable/2025-04-01/resources.extract.json"
)
STORAGE_SPEC = "storage/resource-manager/Microsoft.Storage/stable/2026-09-01/storage-accounts.extract.json"
NETWORK_SPEC = (
    "network/resource-manager/Microsoft.Network/Network/stable/2026-03-01/vnet-subnet-nsg.extract.json"
)
BATCH_MGMT_SPEC = "batch/resource-manager/Microsoft.Batch/Batch/stable/2025-06-01/openapi.extract.json"
BATCH_DATA_SPEC = "batch/data-plane/Batch/stable/2025-06-01/BatchService.extract.json"


@cache
def _load(uri: str) -> dict[str, Any]:
    return json.loads(Path(uri.removeprefix("file://")).read_text())


def _retrieve(uri: str) -> Resource[Any]:
    return Resource.from_contents(_load(uri), default_specification=DRAFT4)


_REGISTRY: Registry[Any] = Registry(retrieve=_retrieve)  # type: ignore[call-arg]


def _uri(spec_file: str) -> str:
    path = SPECS_ROOT / spec_file
    if not path.exists():
        raise FileNotFoundError(f"spec extract {path} not found; see {SPECS_ROOT.parent / 'INDEX.md'}")
    return path.resolve().as_uri()


def validation_errors(body: Any, spec_file: str, definition: str) -> list[str]:
    """Every way `body` differs from the definition: schema violations and properties the spec lacks."""
    uri = _uri(spec_file)
    if definition not in _load(uri).get("definitions", {}):
        raise KeyError(f"definition '{definition}' is not in {spec_file}")
    ref = f"{uri}#/definitions/{definition}"
    validator = Draft4Validator({"$ref": ref}, registry=_REGISTRY)
    problems = [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(body)
    ]
    problems += _unknown_properties(body, ref, "")
    return problems


def assert_matches_spec(body: Any, spec_file: str, definition: str) -> None:
    problems = validation_errors(body, spec_file, definition)
    assert not problems, f"response does not match {definition} in {spec_file}:\n  " + "\n  ".join(problems)


def _resolve(ref: str) -> tuple[dict[str, Any], str]:
    """The schema a `$ref` names and the absolute URI its own relative refs resolve against."""
    document_uri, fragment = urldefrag(ref)
    node: Any = _load(document_uri)
    for part in filter(None, fragment.split("/")):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node, document_uri


def _absolute(ref: str, base: str) -> str:
    from urllib.parse import urljoin

    return urljoin(base, ref)


def _deref(schema: dict[str, Any], base: str) -> tuple[dict[str, Any], str]:
    while "$ref" in schema:
        schema, base = _resolve(_absolute(schema["$ref"], base))
    return schema, base


def _flatten(schema: dict[str, Any], base: str) -> tuple[dict[str, tuple[dict[str, Any], str]], Any]:
    """(properties with their base URIs, additionalProperties) of a schema, following $ref and allOf."""
    schema, base = _deref(schema, base)
    props = {name: (sub, base) for name, sub in schema.get("properties", {}).items()}
    extra = schema.get("additionalProperties")
    for part in schema.get("allOf", []):
        inherited, inherited_extra = _flatten(part, base)
        props = {**inherited, **props}
        extra = extra if extra is not None else inherited_extra
    return props, (extra, base)


def _unknown_properties(value: Any, ref: str, where: str) -> list[str]:
    schema, base = _resolve(ref)
    return _walk(value, schema, base, where)


def _walk(value: Any, schema: dict[str, Any], base: str, where: str) -> list[str]:
    schema, base = _deref(schema, base)
    problems: list[str] = []
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            problems += _walk(item, schema["items"], base, f"{where}/{index}")
    elif isinstance(value, dict):
        props, (extra, extra_base) = _flatten(schema, base)
        for name, item in value.items():
            path = f"{where}/{name}"
            if name in props:
                problems += _walk(item, props[name][0], props[name][1], path)
            elif isinstance(extra, dict):
                problems += _walk(item, extra, extra_base, path)
            elif extra is not True and (props or extra is False):
                problems.append(f"{path}: property not in the spec")
    return problems
