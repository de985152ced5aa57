"""URL patterns of the Key Vault secrets API, served at the emulator's root URL (the vault URL in tests).

Key Vault clients parse ids as https://<vault>/secrets/<name>/<version>, so the vault cannot live under a
path prefix: the emulator serves one vault, at its root.
"""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.routing import Router
from batch_infra.emulator.services.keyvault.handlers import SecretHandlers

# What azure-keyvault-secrets 4.x sends (its ApiVersion enum); 2016-10-01 is too old to serve.
API_VERSIONS = ("2026-04-01", "2025-07-01", "7.6", "7.5", "7.4", "7.3", "7.2", "7.1", "7.0")
SECRET = r"/secrets/(?P<name>[^/]+)"


def register(router: Router, ctx: EmulatorContext) -> None:
    handlers = SecretHandlers(ctx)
    for method, path, handler in (
        ("PUT", SECRET, handlers.set_secret),
        ("GET", SECRET + r"/versions", handlers.list_versions),
        ("GET", SECRET + r"(?:/(?P<version>[^/]*))?", handlers.get_secret),
        ("PATCH", SECRET + r"(?:/(?P<version>[^/]*))?", handlers.update_properties),
    ):
        router.add(method, path, handler, api_versions=API_VERSIONS, auth="keyvault")
