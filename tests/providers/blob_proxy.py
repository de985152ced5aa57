"""A forward HTTP proxy in front of Azurite for tests: logs every blob request and drops chosen ones.

The provider server reaches Azurite through it via HTTP_PROXY (Azurite speaks plain HTTP; the emulator's
HTTPS endpoints stay direct), so tests count block uploads and cut connections mid-upload, as a flaky
network would, without touching the code under test.
"""

from __future__ import annotations

import http.client
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "upgrade"}


@dataclass
class DropRule:
    method: str
    path: re.Pattern[str]  # searched in path?query
    remaining: int  # requests still to drop


@dataclass
class BlobProxy:
    """`log` holds (method, path?query, status or "dropped") for every request, in arrival order."""

    log: list[tuple[str, str, Any]] = field(default_factory=list)
    rules: list[DropRule] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    def start(self) -> BlobProxy:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, name="blob-proxy", daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def env(self) -> dict[str, str]:
        """Environment for a process whose plain-HTTP traffic (Azurite) must go through this proxy."""
        return {"HTTP_PROXY": self.url, "http_proxy": self.url, "NO_PROXY": "", "no_proxy": ""}

    def drop(self, method: str, path_pattern: str, times: int) -> None:
        with self.lock:
            self.rules.append(DropRule(method.upper(), re.compile(path_pattern), times))

    def clear(self) -> None:
        with self.lock:
            self.log.clear()
            self.rules.clear()

    def writes(self) -> list[tuple[str, str, Any]]:
        """Requests that put data into a blob (Put Blob, Put Block, Put Block List)."""
        with self.lock:
            return [entry for entry in self.log if entry[0] == "PUT" and "restype=container" not in entry[1]]

    def _should_drop(self, method: str, target: str) -> bool:
        with self.lock:
            for rule in self.rules:
                if rule.remaining > 0 and rule.method == method and rule.path.search(target):
                    rule.remaining -= 1
                    return True
            return False

    def _record(self, method: str, target: str, outcome: Any) -> None:
        with self.lock:
            self.log.append((method, target, outcome))


def _handler(proxy: BlobProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass  # the proxy keeps its own log

        def _forward(self) -> None:
            url = urlsplit(self.path)
            target = url.path + (f"?{url.query}" if url.query else "")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            if proxy._should_drop(self.command, target):
                proxy._record(self.command, target, "dropped")
                self.close_connection = True
                # No response at all: shut the socket down now (rfile/wfile still hold it open otherwise).
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            upstream = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
            try:
                upstream.request(self.command, target, body=body, headers=headers)
                response = upstream.getresponse()
                payload = response.read()
            finally:
                upstream.close()
            proxy._record(self.command, target, response.status)
            self.send_response(response.status, response.reason)
            for key, value in response.getheaders():
                if key.lower() not in _HOP_BY_HOP and key.lower() != "content-length":
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = _forward

    return Handler
