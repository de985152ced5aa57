"""URL patterns of Microsoft.ManagedIdentity userAssignedIdentities and the api-versions accepted on them."""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.routing import RG, Router
from batch_infra.emulator.services.managedidentity.handlers import IdentityHandlers

# Stable versions of ManagedIdentity.json: 2023-01-31 is what azure-native 3.x sends (its SDK docstring),
# 2024-11-30 the newest stable, 2018-11-30 the oldest still served. Their identity shape is the same
# (id, name, type, location, tags, properties {tenantId, principalId, clientId}); 2024-11-30 adds
# isolationScope, which the emulator does not model (unverified default).
API_VERSIONS = ("2024-11-30", "2023-01-31", "2018-11-30")
IDENTITY = RG + r"/providers/Microsoft\.ManagedIdentity/userAssignedIdentities/(?P<name>[^/]+)"


def register(router: Router, ctx: EmulatorContext) -> None:
    handlers = IdentityHandlers(ctx)
    for method, handler in (("PUT", handlers.put), ("GET", handlers.get), ("DELETE", handlers.delete)):
        router.add(method, IDENTITY, handler, api_versions=API_VERSIONS)
