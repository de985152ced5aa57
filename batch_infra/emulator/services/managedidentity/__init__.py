"""Microsoft.ManagedIdentity user-assigned identities (create, get, delete) with Azure's generated ids."""

from batch_infra.emulator.services.managedidentity.routes import register

__all__ = ["register"]
