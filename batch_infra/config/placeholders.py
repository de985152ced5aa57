"""The shipped stacks' example values that cannot work in anyone's subscription, found by key path."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import Any

from batch_infra.config.loader import NAMESPACE
from batch_infra.config.stack import StackConfig
from batch_infra.errors import ConfigError

# The shipped stacks' example organisation (Microsoft's fictitious Contoso): its global names are not yours.
EXAMPLE_PREFIXES = frozenset({"contoso"})
PLACEHOLDER_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
PLACEHOLDER_PRINCIPALS = frozenset({"11111111-2222-3333-4444-555555555555"})
# RFC 5737: address blocks reserved for documentation, which no machine has.
DOCUMENTATION_RANGES = tuple(
    ipaddress.ip_network(block) for block in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)
URL_HOST = re.compile(r"^https://([^/]+)/", re.IGNORECASE)
README = 'README "Deploying for real", step 4'


def refuse_placeholders(source: str, config: StackConfig) -> None:
    """Before a run against Azure: ConfigError naming each example value still in the stack file."""
    if found := placeholders(config):
        raise ConfigError(
            [f"{source}: {NAMESPACE}:{path}: a shipped example value: {message}" for path, message in found]
        )


def placeholders(config: StackConfig) -> list[tuple[str, str]]:
    """(key path, what is wrong; fix) for every example value still present: the example prefix where a
    global name derives from it, ARM ids in the all-zero subscription, the example principal, Key Vault
    and other URLs of the example organisation, and documentation-only address ranges."""
    found = _prefix(config)
    for path, value in _leaves(config.model_dump(by_alias=True, mode="json", exclude_none=True)):
        if (problem := _value_problem(value)) is not None:
            found.append((path, problem))
    return found


def _prefix(config: StackConfig) -> list[tuple[str, str]]:
    names = config.names()
    derived = [
        name
        for name, explicit in (
            (names.storage_account, config.naming.storage_account),
            (names.batch_account, config.naming.batch_account),
        )
        if explicit is None
    ]
    if config.naming.prefix not in EXAMPLE_PREFIXES or not derived:
        return []
    return [
        (
            "naming.prefix",
            f"{config.naming.prefix!r}: storage and Batch account names are global in Azure, so "
            f"{' and '.join(derived)} belong to whoever created them first; fix: set naming.prefix to your "
            f"organisation's short name ({README})",
        )
    ]


def _value_problem(value: str) -> str | None:
    if f"/subscriptions/{PLACEHOLDER_SUBSCRIPTION}/" in value.lower():
        return (
            f"names the placeholder subscription {PLACEHOLDER_SUBSCRIPTION}; fix: create the resource in "
            f"your subscription and put its id here ({README})"
        )
    if value.lower().startswith("/subscriptions/") and any(p in value.lower() for p in EXAMPLE_PREFIXES):
        return (
            "names a resource of the shipped example (its resource group or name); fix: create yours (e.g. "
            f"the user-assigned identity) and put its id here ({README})"
        )
    if value.lower() in PLACEHOLDER_PRINCIPALS:
        return (
            f"{value} is no principal in your directory; fix: put your group's or principal's object id "
            "(az ad group show --group NAME --query id)"
        )
    if (host := URL_HOST.match(value)) and any(p in host.group(1).lower() for p in EXAMPLE_PREFIXES):
        return f"{host.group(1)} is not yours; fix: name your own ({README})"
    if _in_documentation_range(value):
        return (
            f"{value} is a documentation range (RFC 5737) that no machine has; fix: put the real "
            "public range (e.g. your CI runners' egress, your office)"
        )
    return None


def _in_documentation_range(value: str) -> bool:
    if not value[:1].isdigit():  # no address, and keeps ip_network from parsing every string
        return False
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return any(network.version == r.version and network.subnet_of(r) for r in DOCUMENTATION_RANGES)


def _leaves(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in the raw config with its key path, as errors spell it (pools[0].identities[1])."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value
