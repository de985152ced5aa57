"""The emulated Batch data plane (BatchService 2025-06-01) over the same pool state as the management API."""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.routing import Router
from batch_infra.emulator.services.batch_data.handlers import BatchDataPlane
from batch_infra.emulator.services.batch_data.routes import add_routes


def register(router: Router, ctx: EmulatorContext) -> None:
    handlers = BatchDataPlane(ctx)
    ctx.data_plane_auth = handlers.authenticate
    add_routes(router, handlers)
