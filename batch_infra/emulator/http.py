"""Transport-neutral request and response values passed between the server and the service handlers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from batch_infra.emulator.errors import AzureError


@dataclass
class Request:
    method: str
    path: str  # URL path without the query string, percent-decoded
    query: dict[str, str]  # first value of each query parameter; keys as sent
    headers: dict[str, str]  # lower-cased names
    body: bytes = b""
    params: dict[str, str] = field(default_factory=dict)  # named groups of the matched route
    # Where the caller is: "internet", or "vnet" when it came in on the listener that stands for "inside
    # the environment's VNet" (reachable through private endpoints; see services/private_link/access.py).
    network: str = "internet"

    @property
    def api_version(self) -> str | None:
        return self.query.get("api-version")

    def json(self, *, required: bool = True) -> Any:
        """The JSON body; a missing or malformed body is Azure's 400, not a server crash."""
        if not self.body.strip():
            if required:
                raise AzureError(400, "InvalidRequestContent",
                                 "The request content was invalid: the body is empty.")
            return None
        try:
            return json.loads(self.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise AzureError(
                400, "InvalidRequestContent", f"The request content was not valid JSON: {err}."
            ) from err


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-serialisable, bytes, or None for no body
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, separators=(",", ":")).encode()
