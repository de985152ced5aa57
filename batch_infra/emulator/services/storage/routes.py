"""URL patterns of Microsoft.Storage storage accounts and the api-versions accepted on them."""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.routing import RG, SUB, Router
from batch_infra.emulator.services.storage import blob_front_door
from batch_infra.emulator.services.storage.handlers import StorageAccountHandlers

# 2025-06-01 is what azure-mgmt-storage 24 sends; 2026-09-01 is the spec extract's version.
API_VERSIONS = (
    "2026-09-01",
    "2025-06-01",
    "2025-01-01",
    "2024-01-01",
    "2023-05-01",
    "2023-01-01",
    "2022-09-01",
)
ACCOUNT = RG + r"/providers/Microsoft\.Storage/storageAccounts/(?P<account_name>[^/]+)"


def register(router: Router, ctx: EmulatorContext) -> None:
    handlers = StorageAccountHandlers(ctx)
    for method, path, handler in (
        ("PUT", ACCOUNT, handlers.create),
        ("GET", ACCOUNT, handlers.get),
        ("PATCH", ACCOUNT, handlers.update),
        ("DELETE", ACCOUNT, handlers.delete),
        ("POST", ACCOUNT + "/listKeys", handlers.list_keys),
        ("POST", ACCOUNT + "/regenerateKey", handlers.regenerate_key),
        ("POST", SUB + r"/providers/Microsoft\.Storage/checkNameAvailability", handlers.check_name),
        ("GET", RG + r"/providers/Microsoft\.Storage/storageAccounts", handlers.list_in_group),
        ("GET", SUB + r"/providers/Microsoft\.Storage/storageAccounts", handlers.list_in_subscription),
    ):
        router.add(method, path, handler, api_versions=API_VERSIONS)
    blob_front_door.register(router, ctx)
