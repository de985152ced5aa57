"""HTTPS transport for the emulator: threaded HTTP/1.1 keep-alive server on 127.0.0.1, TLS per connection.

Limits (as Azure's front ends have them; README "Server limits"): a body over MAX_BODY_BYTES is 413, a bad
Content-Length or chunk size is 400, a body that stops arriving for BODY_TIMEOUT seconds is 408, a
keep-alive connection idle for IDLE_TIMEOUT seconds is closed, and beyond MAX_CONNECTIONS open connections
new ones are closed at once (clients reconnect; the SDKs retry a connection that could not be made).
"""

from __future__ import annotations

import json
import socket
import ssl
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import ThreadingMixIn
from urllib.parse import parse_qsl, unquote, urlsplit

from batch_infra.emulator.app import EmulatorApp
from batch_infra.emulator.http import Request, Response

_HANDSHAKE_TIMEOUT = 30.0  # seconds a client gets to finish the TLS handshake
IDLE_TIMEOUT = 240.0  # a keep-alive connection idle this long is closed (Azure's load balancers: 4 min)
BODY_TIMEOUT = 30.0  # a request body that stops arriving this long is 408
MAX_BODY_BYTES = 8 * 1024 * 1024  # ARM refuses requests over 4 MB; package uploads go to Azurite, not here
MAX_CONNECTIONS = 64  # open connections (one thread each)


class _Refused(Exception):
    """A request the transport answers itself (400/408/413) and then closes the connection."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the SDK's connection pool reuses one TLS session
    disable_nagle_algorithm = True  # headers and body are separate writes; Nagle would add 40 ms
    timeout = IDLE_TIMEOUT
    server: EmulatorServer

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """The app's request log records every request; an access log on stderr would only add noise."""

    def _serve(self) -> None:
        try:
            request = self._read_request()
        except _Refused as refused:
            self._refuse(refused)
            return
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
        self.connection.settimeout(BODY_TIMEOUT)
        try:
            if headers.get("transfer-encoding", "").lower() == "chunked":
                return self._read_chunks()
            return self._read_exactly(_content_length(headers.get("content-length")))
        except TimeoutError:
            raise _Refused(
                408, "RequestTimeout", f"The request body did not arrive within {BODY_TIMEOUT:.0f} seconds."
            ) from None
        finally:
            self.connection.settimeout(self.timeout)  # back to the keep-alive idle timeout

    def _read_chunks(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size = _chunk_size(self.rfile.readline(1024))
            if size == 0:
                while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
                    pass  # trailers carry nothing the emulator uses
                return b"".join(chunks)
            total += size
            _check_size(total)
            chunks.append(self._read_exactly(size))
            self.rfile.readline(1024)

    def _read_exactly(self, length: int) -> bytes:
        _check_size(length)
        data = self.rfile.read(length) if length else b""
        if len(data) < length:
            raise _Refused(
                400, "InvalidInput", f"The connection closed after {len(data)} of {length} body bytes."
            )
        return data

    def _refuse(self, refused: _Refused) -> None:
        """Azure's error envelope, then close: the rest of the stream cannot be trusted to be a request."""
        payload = json.dumps({"error": {"code": refused.code, "message": refused.message}}).encode()
        self.close_connection = True
        try:
            self.send_response(refused.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("x-ms-request-id", str(uuid.uuid4()))
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass  # the client is gone already: nothing to tell it

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


def _content_length(value: str | None) -> int:
    if value is None or value.strip() == "":
        return 0
    if not value.strip().isdigit():
        raise _Refused(
            400, "InvalidHeaderValue", f"The Content-Length header {value[:40]!r} is not a length."
        )
    return int(value)


def _chunk_size(line: bytes) -> int:
    text = line.split(b";")[0].strip()
    try:
        if not text or not line.endswith(b"\n"):
            raise ValueError
        return int(text, 16)
    except ValueError:
        raise _Refused(
            400, "InvalidInput", f"The chunk size line {line[:40]!r} is not a hex length."
        ) from None


def _check_size(length: int) -> None:
    if length > MAX_BODY_BYTES:
        raise _Refused(
            413,
            "RequestEntityTooLarge",
            f"The request body of {length} bytes is over the limit of {MAX_BODY_BYTES}.",
        )


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
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(("127.0.0.1", port), _Handler)

    def process_request(self, request: socket.socket, client_address: tuple[str, int]) -> None:  # type: ignore[override]
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)  # over the cap: closed at once, no thread started
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: socket.socket, client_address: tuple[str, int]) -> None:  # type: ignore[override]
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

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
