"""Microsoft.Storage: storage accounts (long-running create, get, update, delete, keys, name availability)."""

from batch_infra.emulator.services.storage.routes import register

__all__ = ["register"]
