"""URL patterns of Microsoft.Storage storage accounts (every published api-version accepted)."""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.routing import RG, SUB, Router
from batch_infra.emulator.services.storage import blob_front_door
from batch_infra.emulator.services.storage.handlers import StorageAccountHandlers

RESOURCE_TYPE = "Microsoft.Storage/storageAccounts"
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
        router.add(method, path, handler, resource_type=RESOURCE_TYPE)
    blob_front_door.register(router, ctx)
