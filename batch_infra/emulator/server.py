"""HTTPS transport for the emulator: threaded HTTP/1.1 keep-alive server on 127.0.0.1, TLS per connection."""

from __future__ import annotations

import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import ThreadingMixIn
from urllib.parse import parse_qsl, unquote, urlsplit

from batch_infra.emulator.app import EmulatorApp
from batch_infra.emulator.http import Request, Response

_HANDSHAKE_TIMEOUT = 30.0  # seconds a client gets to finish the TLS handshake
_IDLE_TIMEOUT = 300.0  # a keep-alive connection idle this long is closed; clients reconnect


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the SDK's connection pool reuses one TLS session
    disable_nagle_algorithm = True  # headers and body are separate writes; Nagle would add 40 ms
    timeout = _IDLE_TIMEOUT
    server: EmulatorServer

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """The app's request log records every request; an access log on stderr would only add noise."""

    def _serve(self) -> None:
        request = self._read_request()
        response = self.server.app.handle(request)
        if response is None:  # a "drop" fault: close without a response, as a failing front end would
            self.close_connection = True
            return
        self._write(request, response)

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def _read_request(self) -> Request:
        parts = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        return Request(
            method=self.command,
            path=unquote(parts.path),
            query=dict(reversed(parse_qsl(parts.query, keep_blank_values=True))),  # first value wins
            headers=headers,
            body=self._read_body(headers),
            network=self.server.network,
        )

    def _read_body(self, headers: dict[str, str]) -> bytes:
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers carry nothing the emulator uses
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _write(self, request: Request, response: Response) -> None:
        payload = response.encoded()
        self.send_response(response.status)
        headers = {name.lower(): (name, value) for name, value in response.headers.items()}
        if payload and "content-type" not in headers:
            content_type = (
                "application/json; charset=utf-8"
                if not isinstance(response.body, bytes)
                else "application/octet-stream"
            )
            self.send_header("Content-Type", content_type)
        for name, value in headers.values():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload and request.method != "HEAD":
            self.wfile.write(payload)


class EmulatorServer(ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self, app: EmulatorApp, ssl_context: ssl.SSLContext, port: int = 0, network: str = "internet"
    ) -> None:
        self.app = app
        self.ssl_context = ssl_context
        self.network = network  # what every request on this listener is tagged with (Request.network)
        super().__init__(("127.0.0.1", port), _Handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def finish_request(self, request: socket.socket, client_address: tuple[str, int]) -> None:  # type: ignore[override]
        # The handshake runs here, in the connection's own thread, so a slow client cannot stall accept().
        request.settimeout(_HANDSHAKE_TIMEOUT)
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as err:
            print(
                f"emulator: TLS handshake with {client_address[0]}:{client_address[1]} failed: {err}",
                file=sys.stderr,
            )
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            tls.close()

    def start(self) -> threading.Thread:
        thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.2},
            name=f"emulator-https-{self.network}",
            daemon=True,
        )
        thread.start()
        return thread
