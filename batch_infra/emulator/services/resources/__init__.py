"""Microsoft.Resources: resource groups (create, get, head, update, list, long-running delete)."""

from batch_infra.emulator.services.resources.routes import register

__all__ = ["register"]
