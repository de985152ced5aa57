"""HTTP to a running emulator as an SDK would send it: bearer token, its CA, ARM LROs followed."""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

_LRO_POLLS = 50


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        return f"{self.status} {json.dumps(self.body)[:400] if self.body is not None else ''}"


class EmulatorHttp:
    """Requests to the emulator's ARM endpoint (paths start with /subscriptions) or any full https URL."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.info = info
        self.subscription = info["subscription_id"]
        self._ssl = ssl.create_default_context(cafile=info["ca_bundle"])

    def send(self, method: str, url: str, api_version: str | None, body: Any = None) -> Reply:
        if not url.startswith("https://"):
            url = self.info["arm_endpoint"].rstrip("/") + url
        if api_version is not None:
            url += ("&" if "?" in url else "?") + urlencode({"api-version": api_version})
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {self.info['token']}", "Content-Type": "application/json"}
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, context=self._ssl, timeout=30) as response:
                return _reply(response.status, response.read(), dict(response.headers))
        except urllib.error.HTTPError as err:
            return _reply(err.code, err.read(), dict(err.headers))

    def send_and_finish(self, method: str, url: str, api_version: str | None, body: Any = None) -> Reply:
        """The operation's final answer (see `finish`)."""
        return self.finish(self.send(method, url, api_version, body), method, url, api_version)

    def finish(self, first: Reply, method: str, url: str, api_version: str | None) -> Reply:
        """`first`, unless it is a 201/202 naming a poll URL: then the operation's final answer, fetched as
        azure-mgmt-core's ARMPolling would (the resource itself after a PUT/PATCH)."""
        poll = _poll_url(first)
        if poll is None or first.status not in (201, 202):
            return first
        for _ in range(_LRO_POLLS):
            status = self.send("GET", poll, None)
            state = status.body.get("status") if isinstance(status.body, dict) else None
            if status.status != 202 and state not in ("InProgress", "Running", "Accepted"):
                break
            time.sleep(0.05)
        else:
            raise TimeoutError(f"{method} {url}: the operation did not finish after {_LRO_POLLS} polls")
        if method in ("PUT", "PATCH") and status.status < 400:
            return self.send("GET", url, api_version)
        return status


def _poll_url(reply: Reply) -> str | None:
    headers = {k.lower(): v for k, v in reply.headers.items()}
    url = headers.get("azure-asyncoperation") or headers.get("location")
    return url if url and urlsplit(url).scheme == "https" else None


def _reply(status: int, payload: bytes, headers: dict[str, str]) -> Reply:
    try:
        body = json.loads(payload) if payload else None
    except ValueError:
        body = payload.decode(errors="replace")
    return Reply(status, body, headers)
