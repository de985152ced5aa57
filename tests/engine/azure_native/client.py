"""A small ARM REST client: bearer token, the emulator's CA, long-running operations polled to the end."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from tests.engine.resource_provider import ProviderError

_TERMINAL = {"succeeded", "failed", "canceled", "cancelled"}
_POLL_LIMIT = 600  # polls of one operation before giving up (the emulator finishes on the next request)
_MAX_WAIT = 2.0  # seconds; Retry-After above this is capped so a test never sleeps long


@dataclass
class ArmResponse:
    status: int
    body: Any
    headers: dict[str, str]


class ArmClient:
    def __init__(self, endpoint: str, token: str, ca_bundle: str | Path) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.session = requests.Session()
        self.ca_bundle = str(
            ca_bundle
        )  # passed per request: REQUESTS_CA_BUNDLE would override session.verify
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, api_version: str | None, body: Any = None) -> ArmResponse:
        url = path if path.startswith("http") else self.endpoint + path
        params = {"api-version": api_version} if api_version else None
        data = None if body is None else json.dumps(_go_numbers(body))
        headers = {"Content-Type": "application/json"} if data is not None else {}
        response = self.session.request(
            method, url, params=params, data=data, headers=headers, timeout=60, verify=self.ca_bundle
        )
        parsed = response.json() if response.content else None
        return ArmResponse(response.status_code, parsed, dict(response.headers))

    def get(self, path: str, api_version: str) -> dict[str, Any] | None:
        """The resource, or None on 404."""
        answer = self.call("GET", path, api_version)
        if answer.status == 404:
            return None
        _raise_for(answer, "GET", path)
        return answer.body

    def put(self, path: str, api_version: str, body: dict[str, Any]) -> None:
        answer = self.call("PUT", path, api_version, body)
        _raise_for(answer, "PUT", path)
        self._wait(answer, "PUT", path)

    def delete(self, path: str, api_version: str) -> None:
        """DELETE and poll; a resource already gone (404, or 204) is success, as azure-native treats it."""
        answer = self.call("DELETE", path, api_version)
        if answer.status == 404:
            return
        _raise_for(answer, "DELETE", path)
        self._wait(answer, "DELETE", path)

    def _wait(self, answer: ArmResponse, method: str, path: str) -> None:
        async_url = _header(answer.headers, "Azure-AsyncOperation")
        location = _header(answer.headers, "Location")
        if async_url:
            self._poll_status(async_url, answer, method, path)
        elif location and answer.status in (201, 202):
            self._poll_location(location, answer, method, path)

    def _poll_status(self, url: str, answer: ArmResponse, method: str, path: str) -> None:
        for _ in range(_POLL_LIMIT):
            _sleep(answer.headers)
            answer = self.call("GET", url, None)
            _raise_for(answer, f"{method} (polling)", path)
            status = str((answer.body or {}).get("status", "")).lower()
            if status in _TERMINAL:
                if status != "succeeded":
                    error = (answer.body or {}).get("error") or {}
                    raise ProviderError(_message(method, path, answer.status, error, status))
                return
        raise ProviderError(f"{method} {path}: the operation did not finish after {_POLL_LIMIT} polls")

    def _poll_location(self, url: str, answer: ArmResponse, method: str, path: str) -> None:
        for _ in range(_POLL_LIMIT):
            _sleep(answer.headers)
            answer = self.call("GET", url, None)
            if answer.status != 202:
                if method == "DELETE" and answer.status == 404:
                    return
                _raise_for(answer, f"{method} (polling)", path)
                return
        raise ProviderError(f"{method} {path}: the operation did not finish after {_POLL_LIMIT} polls")


def _go_numbers(value: Any) -> Any:
    """Numbers as azure-native's Go encoder writes them: every number is a float64, 100.0 goes out as 100."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _go_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_go_numbers(v) for v in value]
    return value


def _header(headers: dict[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _sleep(headers: dict[str, str]) -> None:
    retry = _header(headers, "Retry-After")
    if retry and retry.isdigit():
        time.sleep(min(int(retry), _MAX_WAIT))


def _raise_for(answer: ArmResponse, method: str, path: str) -> None:
    if answer.status < 400:
        return
    error = answer.body.get("error", answer.body) if isinstance(answer.body, dict) else {}
    raise ProviderError(_message(method, path, answer.status, error or {}, None))


def _message(method: str, path: str, status: int, error: dict[str, Any], state: str | None) -> str:
    # The shape azure-native prints (azure.AzureError): Status=<n> Code="<code>" Message="<message>".
    code = error.get("code", state or "Unknown")
    message = error.get("message", "")
    return f'{method} {path}: Status={status} Code="{code}" Message="{message}"'
