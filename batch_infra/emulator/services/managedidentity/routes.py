"""URL patterns of Microsoft.ManagedIdentity userAssignedIdentities (every published api-version accepted)."""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.routing import RG, Router
from batch_infra.emulator.services.managedidentity.handlers import IdentityHandlers
from batch_infra.emulator.services.managedidentity.models import TYPE

# Every version answers the 2023-01-31 shape (what azure-native 3.x sends): id, name, type, location, tags,
# properties {tenantId, principalId, clientId}. 2024-11-30 adds isolationScope and 2026-05-31
# assignmentRestrictions, which the emulator does not model.
IDENTITY = RG + r"/providers/Microsoft\.ManagedIdentity/userAssignedIdentities/(?P<name>[^/]+)"


def register(router: Router, ctx: EmulatorContext) -> None:
    handlers = IdentityHandlers(ctx)
    for method, handler in (("PUT", handlers.put), ("GET", handlers.get), ("DELETE", handlers.delete)):
        router.add(method, IDENTITY, handler, resource_type=TYPE)
