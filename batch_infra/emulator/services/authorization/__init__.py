"""Microsoft.Authorization role assignments at any scope, validated as Azure RBAC validates them."""

from batch_infra.emulator.services.authorization.routes import register

__all__ = ["register"]
