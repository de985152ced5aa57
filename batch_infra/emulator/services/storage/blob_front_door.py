"""Blob endpoint with Entra (bearer) authentication, for auto-storage that Batch reaches by managed identity.

Why it exists: with autoStorage.authenticationMode BatchAccountManagedIdentity, Azure answers an application
package's storageUrl without a SAS ("will contain a SAS if the auto storage account was configured to use
storage keys", application-package/create, Batch Management REST), so the uploader must send its own Entra
token. Azurite checks bearer tokens only over HTTPS with `--oauth basic`, and then only JWTs with Azure's
issuers and audiences; the emulator's token is opaque, and the emulator's HTTPS server already checks it
for ARM. So the emulator serves these URLs itself: it authenticates the bearer token as Storage would,
then forwards the request to Azurite signed with a short container SAS, and returns Azurite's answer.
URL: https://<emulator>/blob/<storage account>/<container>/<blob> (path-style, like Azurite's).

Storage's refusals, with its XML error body: no Authorization header -> 401 NoAuthenticationInformation with
the Bearer challenge (authorization_uri, resource_id=https://storage.azure.com); a token that is not the
emulator's -> 401 InvalidAuthenticationInfo; OAuth before x-ms-version 2017-11-09 -> 400
(learn.microsoft.com/rest/api/storageservices/authorize-with-azure-active-directory). Not modelled: the
data-plane role (Storage Blob Data Contributor) Azure also requires of the caller.
"""

from __future__ import annotations

import http.client
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from batch_infra.emulator.app import bearer_ok
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.http import Request, Response
from batch_infra.emulator.routing import Router

PREFIX = "/blob"
PATH = PREFIX + r"/(?P<storage>[a-z0-9]{3,24})/(?P<container>[a-z0-9-]{3,63})/(?P<blob>.+)"
OAUTH_MIN_VERSION = "2017-11-09"
_SAS_LIFETIME = timedelta(minutes=10)
# Hop-by-hop and per-connection headers, and the caller's credential: never forwarded either way.
_NOT_FORWARDED = {"host", "authorization", "content-length", "connection", "transfer-encoding", "keep-alive"}


def url(ctx: EmulatorContext, storage_account: str, container: str, blob: str) -> str:
    """The storageUrl Azure gives in managed-identity mode: the blob's URL, no SAS."""
    return f"{ctx.arm_endpoint}{PREFIX}/{storage_account.lower()}/{container}/{blob}"


def register(router: Router, ctx: EmulatorContext) -> None:
    door = BlobFrontDoor(ctx)
    for method in ("GET", "HEAD", "PUT", "DELETE"):
        router.add(method, PATH, door.forward, api_versions=(), auth="storage")


class BlobFrontDoor:
    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx

    def forward(self, request: Request) -> Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        if self.ctx.blob is None:
            return _storage_error(503, "ServerBusy", "The emulator runs without Azurite: no blob service.")
        params = request.params
        signed = self.ctx.blob.sas_url(
            params["storage"],
            params["container"],
            params["blob"],
            permission="racwd",
            expiry=self.ctx.now() + _SAS_LIFETIME,
        )
        target = urlsplit(signed)
        query = "&".join(part for part in (urlencode(request.query), target.query) if part)
        headers = {k: v for k, v in request.headers.items() if k not in _NOT_FORWARDED}
        connection = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=120)
        try:
            connection.request(
                request.method,
                f"{target.path}?{query}",
                body=request.body or None,
                headers={**headers, "Content-Length": str(len(request.body))},
            )
            answer = connection.getresponse()
            body = answer.read()
            kept = {k: v for k, v in answer.getheaders() if k.lower() not in _NOT_FORWARDED}
        finally:
            connection.close()
        return Response(answer.status, body if body else None, kept)

    def _refusal(self, request: Request) -> Response | None:
        if "authorization" not in request.headers:
            challenge = (
                f"Bearer authorization_uri=https://login.microsoftonline.com/{self.ctx.tenant_id}"
                "/oauth2/authorize resource_id=https://storage.azure.com"
            )
            return _storage_error(
                401,
                "NoAuthenticationInformation",
                "Server failed to authenticate the request. Please refer to the information in the "
                "www-authenticate header.",
                {"WWW-Authenticate": challenge},
            )
        if not bearer_ok(request, self.ctx.token):
            return _storage_error(
                401,
                "InvalidAuthenticationInfo",
                "Authentication information is not given in the correct format, or is not the emulator's "
                "bearer token (a SAS or Shared Key does not authenticate this URL: the account uses "
                "managed identity).",
            )
        if request.headers.get("x-ms-version", "") < OAUTH_MIN_VERSION:
            return _storage_error(
                400,
                "InvalidHeaderValue",
                f"OAuth requires x-ms-version {OAUTH_MIN_VERSION} or later.",
            )
        return None


def _storage_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    ).encode()
    return Response(
        status, body, {"Content-Type": "application/xml", "x-ms-error-code": code, **(headers or {})}
    )
