"""Microsoft.Authorization management locks, and the write guard that makes them bite."""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.routing import Router
from batch_infra.emulator.services.locks import models
from batch_infra.emulator.services.locks.routes import add_routes


def register(router: Router, ctx: EmulatorContext) -> None:
    from batch_infra.emulator.identities import DIRECTORY_SETTING

    # Object ids of directory users/groups role assignments may name (identities are known by themselves).
    ctx.settings.setdefault(DIRECTORY_SETTING, [])
    ctx.arm_write_guard = lambda request: models.guard(ctx, request)
    add_routes(router, ctx)
