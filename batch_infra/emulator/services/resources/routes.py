"""URL patterns of Microsoft.Resources resource groups (every published api-version accepted)."""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.routing import RG, SUB, Router
from batch_infra.emulator.services.resources.handlers import ResourceGroupHandlers

RESOURCE_TYPE = "Microsoft.Resources/resourceGroups"


def register(router: Router, ctx: EmulatorContext) -> None:
    handlers = ResourceGroupHandlers(ctx)
    for method, handler in (
        ("PUT", handlers.create_or_update),
        ("GET", handlers.get),
        ("HEAD", handlers.head),
        ("PATCH", handlers.update),
        ("DELETE", handlers.delete),
    ):
        router.add(method, RG, handler, resource_type=RESOURCE_TYPE)
    router.add("GET", SUB + "/resourcegroups", handlers.list, resource_type=RESOURCE_TYPE)
