"""URL patterns of Microsoft.Resources resource groups and the api-versions accepted on them."""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.routing import RG, SUB, Router
from batch_infra.emulator.services.resources.handlers import ResourceGroupHandlers

# 2025-04-01 is what azure-mgmt-resource 25 sends; the older ones are still served by ARM.
API_VERSIONS = (
    "2025-04-01",
    "2024-11-01",
    "2024-07-01",
    "2024-03-01",
    "2023-07-01",
    "2022-09-01",
    "2021-04-01",
)


def register(router: Router, ctx: EmulatorContext) -> None:
    handlers = ResourceGroupHandlers(ctx)
    for method, handler in (
        ("PUT", handlers.create_or_update),
        ("GET", handlers.get),
        ("HEAD", handlers.head),
        ("PATCH", handlers.update),
        ("DELETE", handlers.delete),
    ):
        router.add(method, RG, handler, api_versions=API_VERSIONS)
    router.add("GET", SUB + "/resourcegroups", handlers.list, api_versions=API_VERSIONS)
