"""URL patterns of the Batch data plane under the account endpoints (https://HOST/batch/{region}/{account})."""

from __future__ import annotations

from batch_infra.emulator import api_versions
from batch_infra.emulator.routing import Router
from batch_infra.emulator.services.batch_data.handlers import BatchDataPlane

# The region mirrors Azure's `<account>.<region>.batch.azure.com`: account names are unique per region only.
ACCOUNT = r"/batch/(?P<location>[a-z0-9]+)/(?P<account>[a-z0-9]{3,24})"
POOL = ACCOUNT + r"/pools/(?P<pool>[^/]+)"


def add_routes(router: Router, h: BatchDataPlane) -> None:
    table = [
        ("GET", ACCOUNT + r"/supportedimages", h.list_supported_images),
        ("GET", ACCOUNT + r"/nodecounts", h.list_node_counts),
        ("GET", ACCOUNT + r"/pools", h.list_pools),
        ("GET", POOL, h.get_pool),
        ("HEAD", POOL, h.pool_exists),
        ("DELETE", POOL, h.delete_pool),
        ("POST", POOL + r"/enableautoscale", h.enable_autoscale),
        ("POST", POOL + r"/disableautoscale", h.disable_autoscale),
        ("POST", POOL + r"/evaluateautoscale", h.evaluate_autoscale),
        ("POST", POOL + r"/stopresize", h.stop_resize),
    ]
    # Every published data-plane version is accepted; each answers the 2025-06-01 shapes.
    versions = api_versions.versions("Azure.Batch (data plane)")
    for method, path, handler in table:
        router.add(method, path, handler, api_versions=versions, envelope="batch", auth="batch")
