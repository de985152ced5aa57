"""URL patterns of Microsoft.Authorization roleAssignments (any scope) and the api-versions accepted."""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.routing import SUB, Router
from batch_infra.emulator.services.authorization.handlers import RoleAssignmentHandlers
from batch_infra.emulator.services.authorization.roles import CUSTOM_SETTING

# 2022-04-01 is the stable RoleAssignmentsCalls.json that azure-native 3.x (its SDK docstring) and
# azure-mgmt-authorization 4 send; the assignment shape is the same in 2020-04-01-preview.
API_VERSIONS = ("2022-04-01", "2020-04-01-preview")
# Any scope inside the subscription: the subscription, a group, or a resource (whose id has /providers/).
ASSIGNMENT = (
    r"(?P<scope>" + SUB + r"(?:/[^/]+)*?)/providers/Microsoft\.Authorization/roleAssignments/(?P<name>[^/]+)"
)


def register(router: Router, ctx: EmulatorContext) -> None:
    ctx.settings.setdefault(CUSTOM_SETTING, [])
    handlers = RoleAssignmentHandlers(ctx)
    for method, handler in (("PUT", handlers.put), ("GET", handlers.get), ("DELETE", handlers.delete)):
        router.add(method, ASSIGNMENT, handler, api_versions=API_VERSIONS)
