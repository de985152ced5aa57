"""Key Vault secrets (data plane): set, get (latest or a version), update properties, list versions."""

from batch_infra.emulator.services.keyvault.routes import register

__all__ = ["register"]
