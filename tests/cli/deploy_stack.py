"""Apply a planned stack to the session emulator the way `pulumi up` would (the product's emulator deploy)."""

from __future__ import annotations

from typing import Any

from batch_infra.ops.emulator_deploy import deploy as deploy_into
from batch_infra.ops.plan import Plan


def deploy(emulator: Any, plan: Plan) -> dict[str, dict[str, Any]]:
    """Create every resource of `plan` that the CLI reads; returns, by resource name, what Azure answered
    (ARM resources) or the provider's outputs (dynamic resources: what the engine would keep in state).
    Needs `emulator_env` (the dynamic providers find the emulator through the environment)."""
    return deploy_into(emulator.target, plan).state
