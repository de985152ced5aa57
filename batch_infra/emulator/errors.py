"""Typed emulator errors rendered in Azure's own envelopes (ARM CloudError, Batch data-plane BatchError)."""

from __future__ import annotations

from typing import Any, Literal

Envelope = Literal["arm", "batch"]


class AzureError(Exception):
    """An error Azure would return: HTTP status, Azure's error code, message and optional target.

    Models raise these; the server renders them in the envelope of the API that was called, so a model
    shared by management and data plane never has to know which one it is serving.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        target: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.details = details or []
        self.headers = headers or {}

    def body(self, envelope: Envelope) -> dict[str, Any]:
        if envelope == "batch":
            body: dict[str, Any] = {"code": self.code, "message": {"lang": "en-US", "value": self.message}}
            values = [{"key": d.get("target", ""), "value": d.get("message", "")} for d in self.details]
            if self.target:
                values.insert(0, {"key": "PropertyName", "value": self.target})
            if values:
                body["values"] = values
            return body
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target:
            error["target"] = self.target
        if self.details:
            error["details"] = self.details
        return {"error": error}


def bad_request(message: str, *, target: str | None = None, code: str = "InvalidRequestBody") -> AzureError:
    return AzureError(400, code, message, target=target)


def not_found(kind: str, name: str, code: str = "ResourceNotFound") -> AzureError:
    return AzureError(404, code, f"The specified {kind} '{name}' was not found.")


def conflict(message: str, code: str = "Conflict") -> AzureError:
    return AzureError(409, code, message)
