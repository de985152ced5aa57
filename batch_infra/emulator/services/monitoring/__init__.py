"""Microsoft.Insights diagnostic settings and Microsoft.OperationalInsights (Log Analytics) workspaces."""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.routing import Router
from batch_infra.emulator.services.monitoring.routes import add_routes


def register(router: Router, ctx: EmulatorContext) -> None:
    add_routes(router, ctx)
