"""URL patterns of Microsoft.Authorization roleAssignments at any scope (every published api-version)."""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.routing import SUB, Router
from batch_infra.emulator.services.authorization import models
from batch_infra.emulator.services.authorization.handlers import RoleAssignmentHandlers
from batch_infra.emulator.services.authorization.roles import CUSTOM_SETTING

# Every version answers the 2022-04-01 shape that azure-native 3.x and azure-mgmt-authorization 4 send.
# Any scope inside the subscription: the subscription, a group, or a resource (whose id has /providers/).
ASSIGNMENT = (
    r"(?P<scope>" + SUB + r"(?:/[^/]+)*?)/providers/Microsoft\.Authorization/roleAssignments/(?P<name>[^/]+)"
)


def register(router: Router, ctx: EmulatorContext) -> None:
    ctx.settings.setdefault(CUSTOM_SETTING, [])
    handlers = RoleAssignmentHandlers(ctx)
    for method, handler in (("PUT", handlers.put), ("GET", handlers.get), ("DELETE", handlers.delete)):
        router.add(method, ASSIGNMENT, handler, resource_type=models.TYPE)
