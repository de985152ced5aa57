"""Private Link: private endpoints, private DNS, Batch private link views, and data-plane network access."""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.routing import Router
from batch_infra.emulator.services.private_link import access, batch_views
from batch_infra.emulator.services.private_link.routes import register as add_routes


def register(router: Router, ctx: EmulatorContext) -> None:
    ctx.settings.setdefault(access.CALLER_IP_SETTING, access.CALLER_IP_DEFAULT)
    ctx.settings.setdefault(access.CALLER_VNET_SETTING, "")
    ctx.data_plane_network = lambda request, location, account: access.check(ctx, request, location, account)
    ctx.batch_account_connections = lambda account: batch_views.connections(ctx, account)
    add_routes(router, ctx)
