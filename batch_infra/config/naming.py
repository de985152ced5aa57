"""Azure's naming rules for the resources an environment creates, and the names derived from the prefix."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Storage and Batch accounts share one rule: 3-24 characters, lowercase letters and digits only.
ACCOUNT_NAME = re.compile(r"^[a-z0-9]{3,24}$")
# Resource groups: 1-90 of letters, digits, underscores, hyphens, periods, parentheses; no trailing period.
RESOURCE_GROUP_NAME = re.compile(r"^[-\w.()]{0,89}[-\w()]$")
# Virtual networks, subnets, NSGs: start alphanumeric, end alphanumeric or underscore, 2-64 (NSG 1-80).
NETWORK_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])?$")
# prefix (2-11) + environment (1-8) + "batch" always fits the 24-character account limit.
PREFIX = re.compile(r"^[a-z][a-z0-9]{1,10}$")
ENVIRONMENT = re.compile(r"^[a-z][a-z0-9]{0,7}$")


def account_name_problem(name: str) -> str | None:
    """Why `name` is not a valid storage or Batch account name, or None."""
    if ACCOUNT_NAME.match(name):
        return None
    if not 3 <= len(name) <= 24:
        return f"{name!r} has {len(name)} characters; storage and Batch account names need 3 to 24"
    bad = sorted({c for c in name if not (c.isascii() and (c.islower() or c.isdigit()))})
    return (f"{name!r} contains {''.join(bad)!r}; "
            "storage and Batch account names allow only lowercase letters and digits")


def resource_group_problem(name: str) -> str | None:
    if RESOURCE_GROUP_NAME.match(name) and len(name) <= 90:
        return None
    return (
        f"{name!r} is not a valid resource group name: 1 to 90 letters, digits, underscores, hyphens, "
        "periods or parentheses, not ending in a period"
    )


def network_name_problem(name: str) -> str | None:
    if NETWORK_NAME.match(name):
        return None
    return (
        f"{name!r} is not a valid network resource name: 1 to 64 letters, digits, underscores, periods or "
        "hyphens, starting with a letter or digit and ending with a letter, digit or underscore"
    )


@dataclass(frozen=True)
class ResourceNames:
    resource_group: str
    storage_account: str
    batch_account: str
    virtual_network: str
    subnet: str
    network_security_group: str


def derive_names(prefix: str, environment: str) -> ResourceNames:
    """Default names from the prefix and environment, each valid by construction for valid inputs."""
    return ResourceNames(
        resource_group=f"rg-{prefix}-{environment}-batch",
        storage_account=f"{prefix}{environment}sa",
        batch_account=f"{prefix}{environment}batch",
        virtual_network=f"vnet-{prefix}-{environment}-batch",
        subnet="snet-batch-nodes",
        network_security_group=f"nsg-{prefix}-{environment}-batch-nodes",
    )
