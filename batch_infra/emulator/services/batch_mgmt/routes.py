"""URL patterns of the Microsoft.Batch management API (2025-06-01) mapped to their handlers."""

from __future__ import annotations

from batch_infra.emulator.routing import RG, SUB, Router
from batch_infra.emulator.services.batch_mgmt.handlers import BatchManagement

ACCOUNTS = RG + r"/providers/Microsoft\.Batch/batchAccounts"
ACCOUNT = ACCOUNTS + r"/(?P<account>[^/]+)"
APPLICATION = ACCOUNT + r"/applications/(?P<application>[^/]+)"
VERSION = APPLICATION + r"/versions/(?P<version>[^/]+)"
POOL = ACCOUNT + r"/pools/(?P<pool>[^/]+)"
LOCATION = SUB + r"/providers/Microsoft\.Batch/locations/(?P<location>[^/]+)"


def routes(h: BatchManagement) -> list[tuple[str, str, object]]:
    return [
        ("GET", SUB + r"/providers/Microsoft\.Batch/batchAccounts", h.list_accounts),
        ("GET", ACCOUNTS, h.list_accounts_by_group),
        ("PUT", ACCOUNT, h.create_account),
        ("GET", ACCOUNT, h.get_account),
        ("PATCH", ACCOUNT, h.update_account),
        ("DELETE", ACCOUNT, h.delete_account),
        ("POST", ACCOUNT + r"/listKeys", h.list_keys),
        ("POST", ACCOUNT + r"/regenerateKeys", h.regenerate_key),
        ("POST", ACCOUNT + r"/syncAutoStorageKeys", h.sync_auto_storage_keys),
        ("GET", ACCOUNT + r"/applications", h.list_applications),
        ("PUT", APPLICATION, h.put_application),
        ("GET", APPLICATION, h.get_application),
        ("PATCH", APPLICATION, h.patch_application),
        ("DELETE", APPLICATION, h.delete_application),
        ("GET", APPLICATION + r"/versions", h.list_packages),
        ("PUT", VERSION, h.put_package),
        ("GET", VERSION, h.get_package),
        ("DELETE", VERSION, h.delete_package),
        ("POST", VERSION + r"/activate", h.activate_package),
        ("GET", ACCOUNT + r"/pools", h.list_pools),
        ("PUT", POOL, h.put_pool),
        ("GET", POOL, h.get_pool),
        ("PATCH", POOL, h.patch_pool),
        ("DELETE", POOL, h.delete_pool),
        ("POST", POOL + r"/disableAutoScale", h.disable_autoscale),
        ("POST", POOL + r"/stopResize", h.stop_resize),
        ("GET", LOCATION + r"/quotas", h.location_quotas),
        ("GET", LOCATION + r"/virtualMachineSkus", h.location_skus),
        ("POST", LOCATION + r"/checkNameAvailability", h.check_name_availability),
    ]


# Every published Microsoft.Batch version is accepted (azure-native 3.x sends 2024-07-01 for accounts and
# applications); each answers the 2025-06-01 shapes. The location operations (quotas, virtualMachineSkus,
# checkNameAvailability) take the provider's list too (unverified per operation: ARM registers them as
# types of their own).
RESOURCE_TYPE = "Microsoft.Batch/batchAccounts"


def add_routes(router: Router, handlers: BatchManagement) -> None:
    for method, path, handler in routes(handlers):
        router.add(method, path, handler, resource_type=RESOURCE_TYPE)  # type: ignore[arg-type]
