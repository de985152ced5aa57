"""HTTP handlers of the Key Vault secrets API: parse the request, call the models, shape secret bundles."""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.http import Request, Response
from batch_infra.emulator.services.keyvault import models


class SecretHandlers:
    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx

    def set_secret(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            raise AzureError(400, "BadParameter", "The request body must be a JSON object with a 'value'.")
        return Response(200, self._bundle(models.set_secret(self.ctx, request.params["name"], body)))

    def get_secret(self, request: Request) -> Response:
        name, version = request.params["name"], request.params.get("version") or None
        return Response(200, self._bundle(models.get_version(self.ctx, name, version)))

    def update_properties(self, request: Request) -> Response:
        name, version = request.params["name"], request.params.get("version") or None
        body = request.json()
        if not isinstance(body, dict):
            raise AzureError(400, "BadParameter", "The request body must be a JSON object.")
        updated = models.update_properties(self.ctx, name, version, body)
        return Response(200, self._bundle(updated, with_value=False))

    def list_versions(self, request: Request) -> Response:
        name = request.params["name"]
        items = [self._bundle(v, with_value=False) for v in models.list_versions(self.ctx, name)]
        return Response(200, {"value": items, "nextLink": None})

    def _bundle(self, version: dict, *, with_value: bool = True) -> dict:
        """Key Vault's SecretBundle: the id is absolute (clients parse vault, name and version from it)."""
        bundle = {
            "id": f"{self.ctx.arm_endpoint}/secrets/{version['name']}/{version['version']}",
            "attributes": version["attributes"],
            "tags": version["tags"],
        }
        if version.get("contentType") is not None:
            bundle["contentType"] = version["contentType"]
        if with_value:
            bundle["value"] = version["value"]
        return bundle
