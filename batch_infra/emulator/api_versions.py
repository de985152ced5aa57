"""The api-versions Azure publishes for each served resource type (api_versions.json) and the refusal of any
other in the words of whoever answers: ARM for a provider's type, Microsoft.Resources, or Key Vault."""

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


def _entry(resource_type: str) -> dict[str, Any]:
    entry = _table().get(resource_type)
    if entry is None:
        raise KeyError(
            f"api_versions.json has no entry for {resource_type!r}: add its versions and their source "
            f"(known: {', '.join(resource_types())})"
        )
    return entry


def versions(resource_type: str) -> tuple[str, ...]:
    """Every published api-version of `resource_type` (a key of api_versions.json, e.g.
    'Microsoft.Authorization/locks')."""
    return tuple(_entry(resource_type)["versions"])


def newest_stable(resource_type: str) -> str:
    """The latest non-preview version; Key Vault's dated versions (2025-07-01) follow its numbered ones."""
    stable = [v for v in versions(resource_type) if "preview" not in v]
    return max(stable, key=lambda v: (v[:4].isdigit() and "-" in v, v))


def refusal(resource_type: str, version: str, location: str, locations: list[str]) -> AzureError:
    """The answer to an api-version the type does not have, in the words the entry's `refusal` names."""
    kind = _entry(resource_type).get("refusal", "NoRegisteredProviderFound")
    if kind == "InvalidApiVersionParameter":
        return _invalid_api_version(resource_type, version)
    if kind == "BadParameter":
        return _key_vault_refusal(resource_type, version)
    return _no_registered_provider(resource_type, version, location, locations)


def _no_registered_provider(
    resource_type: str, version: str, location: str, locations: list[str]
) -> AzureError:
    """ARM's text for a provider's type (Azure/azure-cli#28496: "No registered resource provider found for
    location 'eastus' and API version '2023-11-01' for type 'networkInterfaces'. The supported api-versions
    are '...'. The supported locations are '...'.")."""
    short = resource_type.split("/", 1)[-1]
    return AzureError(
        400,
        "NoRegisteredProviderFound",
        f"No registered resource provider found for location '{location}' and API version '{version}' for "
        f"type '{short}'. The supported api-versions are '{', '.join(versions(resource_type))}'. The "
        f"supported locations are '{', '.join(locations)}'.",
    )


def _invalid_api_version(resource_type: str, version: str) -> AzureError:
    """Microsoft.Resources' own text, newest first and comma-separated (Azure/azure-cli#27109: "The
    api-version '2023-02-01' is invalid. The supported versions are '2023-07-01,2023-07-01-preview,...'.")."""
    supported = ",".join(reversed(versions(resource_type)))
    return AzureError(
        400,
        "InvalidApiVersionParameter",
        f"The api-version '{version}' is invalid. The supported versions are '{supported}'.",
    )


def _key_vault_refusal(resource_type: str, version: str) -> AzureError:
    """Key Vault's text (Azure/azure-sdk-for-python#28595: "(BadParameter) The specified version (7.3) is not
    recognized. Consider using the latest supported version (7.1).")."""
    return AzureError(
        400,
        "BadParameter",
        f"The specified version ({version}) is not recognized. Consider using the latest supported version "
        f"({newest_stable(resource_type)}).",
    )
