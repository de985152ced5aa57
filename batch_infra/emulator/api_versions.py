"""The api-versions Azure publishes for each served resource type (api_versions.json) and ARM's refusal of
any other: 400 NoRegisteredProviderFound, naming the type's supported versions and locations."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from batch_infra.emulator.errors import AzureError


@cache
def _table() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("api_versions.json").read_text(encoding="utf-8")
    return {key: entry for key, entry in json.loads(text).items() if not key.startswith("_")}


def resource_types() -> list[str]:
    return sorted(_table())


def versions(resource_type: str) -> tuple[str, ...]:
    """Every published api-version of `resource_type` (a key of api_versions.json, e.g.
    'Microsoft.Authorization/locks')."""
    entry = _table().get(resource_type)
    if entry is None:
        raise KeyError(
            f"api_versions.json has no entry for {resource_type!r}: add its versions and their source "
            f"(known: {', '.join(resource_types())})"
        )
    return tuple(entry["versions"])


def refusal(resource_type: str, version: str, location: str, locations: list[str]) -> AzureError:
    """ARM's answer to an api-version the type does not have (its text, e.g. Azure/azure-cli#28496:
    "No registered resource provider found for location 'eastus' and API version '2023-11-01' for type
    'networkInterfaces'. The supported api-versions are '...'. The supported locations are '...'.")."""
    short = resource_type.rsplit("/", 1)[-1]
    return AzureError(
        400,
        "NoRegisteredProviderFound",
        f"No registered resource provider found for location '{location}' and API version '{version}' for "
        f"type '{short}'. The supported api-versions are '{', '.join(versions(resource_type))}'. The "
        f"supported locations are '{', '.join(locations)}'.",
    )
