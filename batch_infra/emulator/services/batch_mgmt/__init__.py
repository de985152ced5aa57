"""The emulated Microsoft.Batch management API: accounts, applications, packages, pools and locations."""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.routing import Router
from batch_infra.emulator.services.batch_mgmt.handlers import BatchManagement
from batch_infra.emulator.services.batch_mgmt.models import (
    account_quotas,
    allocation,
    auto_storage_keys,
    pool_scaling,
)
from batch_infra.emulator.services.batch_mgmt.routes import add_routes


def register(router: Router, ctx: EmulatorContext) -> None:
    ctx.settings.setdefault("allocation_delay_seconds", 1.0)
    ctx.settings.setdefault(allocation.STOP_DELAY_SETTING, allocation.STOP_DELAY_DEFAULT)
    ctx.settings.setdefault(pool_scaling.FORMULA_RESIZE_DELAY_SETTING, 0.0)
    ctx.settings.setdefault("batch_account_quota", 3)
    ctx.settings.setdefault(auto_storage_keys.PROPAGATION_SETTING, 0.0)
    ctx.settings.setdefault(account_quotas.ZERO_CORES_SETTING, False)
    ctx.quota_setter = lambda account, quotas: account_quotas.set_quotas(ctx, account, quotas)
    add_routes(router, BatchManagement(ctx))
