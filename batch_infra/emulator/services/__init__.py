"""The emulated Azure services; each package exposes `register(router, ctx)`, wired in SERVICES order."""

from __future__ import annotations

import importlib
import importlib.util

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.routing import Router

# Package names under batch_infra.emulator.services. A package that does not exist yet is skipped (the
# services are built by different people at different times); one that exists but fails to import is
# an error, never skipped.
SERVICES: tuple[str, ...] = (
    "resources",
    "storage",
    "network",
    "managedidentity",
    "authorization",
    "batch_mgmt",
    "batch_data",
    "keyvault",
    "private_link",
    "monitoring",
    "locks",
)


def register_services(router: Router, ctx: EmulatorContext, names: tuple[str, ...] = SERVICES) -> list[str]:
    """Register every available service's routes; returns the names that were registered."""
    registered = []
    for name in names:
        module_name = f"{__name__}.{name}"
        if importlib.util.find_spec(module_name) is None:
            continue
        importlib.import_module(module_name).register(router, ctx)
        registered.append(name)
    return registered
