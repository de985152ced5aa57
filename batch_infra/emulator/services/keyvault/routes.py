"""URL patterns of the Key Vault secrets API, served at the emulator's root URL (the vault URL in tests).

Key Vault clients parse ids as https://<vault>/secrets/<name>/<version>, so the vault cannot live under a
path prefix: the emulator serves one vault, at its root.
"""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.routing import Router
from batch_infra.emulator.services.keyvault.handlers import SecretHandlers

# Its versions and Key Vault's own refusal (BadParameter) are in api_versions.json.
RESOURCE_TYPE = "Key Vault (data plane)"
SECRET = r"/secrets/(?P<name>[^/]+)"


def register(router: Router, ctx: EmulatorContext) -> None:
    handlers = SecretHandlers(ctx)
    for method, path, handler in (
        ("PUT", SECRET, handlers.set_secret),
        ("GET", SECRET + r"/versions", handlers.list_versions),
        ("GET", SECRET + r"(?:/(?P<version>[^/]*))?", handlers.get_secret),
        ("PATCH", SECRET + r"(?:/(?P<version>[^/]*))?", handlers.update_properties),
    ):
        router.add(method, path, handler, resource_type=RESOURCE_TYPE, auth="keyvault")
