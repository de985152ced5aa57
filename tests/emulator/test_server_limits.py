"""The emulator's transport answers malformed, oversized and stalled requests as Azure's front ends do.

An in-process server (tiny limits patched in) and raw TLS sockets, so each malformed request is sent
byte for byte: bad Content-Length or chunk size -> 400, too large -> 413, a stalled body -> 408, an idle
keep-alive connection is closed, and connections beyond the cap are closed without a thread.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time

import pytest

from batch_infra.emulator import server as transport
from batch_infra.emulator import tls
from batch_infra.emulator.app import EmulatorApp
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.http import Request, Response
from batch_infra.emulator.state import State


@pytest.fixture
def served(tmp_path, monkeypatch):
    monkeypatch.setattr(transport, "BODY_TIMEOUT", 0.5)
    monkeypatch.setattr(transport, "MAX_BODY_BYTES", 1000)
    monkeypatch.setattr(transport, "MAX_CONNECTIONS", 4)
    monkeypatch.setattr(transport._Handler, "timeout", 1.0)  # the idle timeout of a keep-alive connection
    files = tls.generate(tmp_path)
    ctx = EmulatorContext(
        state=State(), arm_endpoint="https://127.0.0.1:1", token="t", subscription_id="s", tenant_id="t"
    )
    app = EmulatorApp(ctx, services=())

    def echo(request: Request) -> Response:
        return Response(200, {"bytes": len(request.body)})

    app.router.add("PUT", "/echo", echo, api_versions=())
    server = transport.EmulatorServer(app, files.server_context(), 0)
    server.start()
    client = ssl.create_default_context(cafile=str(files.ca_bundle))
    yield server, client
    server.shutdown()
    server.server_close()


def connect(served):
    server, client = served
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    return client.wrap_socket(raw, server_hostname="127.0.0.1")


def exchange(served, head: bytes, body: bytes = b"") -> tuple[int, dict, bytes]:
    with connect(served) as conn:
        conn.sendall(head + body)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
            if b"\r\n\r\n" in data and data.split(b"\r\n\r\n", 1)[1] and _complete(data):
                break
    status = int(data.split(b" ", 2)[1])
    payload = data.split(b"\r\n\r\n", 1)[1]
    return status, json.loads(payload) if payload else {}, data


def _complete(data: bytes) -> bool:
    head, body = data.split(b"\r\n\r\n", 1)
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    return len(body) >= length


def put(extra: str) -> bytes:
    return f"PUT /echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n{extra}\r\n".encode()


def test_a_good_request_passes(served):
    assert exchange(served, put("Content-Length: 2\r\n"), b"{}")[:2] == (200, {"bytes": 2})


@pytest.mark.parametrize("length", ["abc", "-5", "1e3", "2, 2"])
def test_a_bad_content_length_is_400(served, length):
    status, body, _ = exchange(served, put(f"Content-Length: {length}\r\n"), b"{}")
    assert status == 400 and body["error"]["code"] == "InvalidHeaderValue"


def test_a_bad_chunk_size_is_400(served):
    status, body, _ = exchange(served, put("Transfer-Encoding: chunked\r\n"), b"zz\r\n{}\r\n0\r\n\r\n")
    assert status == 400 and body["error"]["code"] == "InvalidInput"


def test_a_body_over_the_limit_is_413_without_reading_it(served):
    status, body, raw = exchange(served, put("Content-Length: 50000000\r\n"))
    assert status == 413 and body["error"]["code"] == "RequestEntityTooLarge"
    assert b"Connection: close" in raw


def test_chunks_over_the_limit_are_413(served):
    chunks = b"".join(b"200\r\n" + b"x" * 512 + b"\r\n" for _ in range(3)) + b"0\r\n\r\n"
    assert exchange(served, put("Transfer-Encoding: chunked\r\n"), chunks)[0] == 413


def test_a_body_that_stops_arriving_is_408_promptly(served):
    started = time.monotonic()
    status, body, _ = exchange(served, put("Content-Length: 100\r\n"), b"{")
    assert status == 408 and body["error"]["code"] == "RequestTimeout"
    assert time.monotonic() - started < 3


def test_an_idle_keep_alive_connection_is_closed(served):
    with connect(served) as conn:
        conn.sendall(put("Content-Length: 2\r\n") + b"{}")
        answer = b""
        while not (b"\r\n\r\n" in answer and _complete(answer)):
            answer += conn.recv(65536)
        assert answer.startswith(b"HTTP/1.1 200")
        conn.settimeout(5)
        started = time.monotonic()
        assert conn.recv(1) == b""  # the server closed it
        assert time.monotonic() - started < 3


def test_connections_beyond_the_cap_are_closed_and_threads_stay_bounded(served):
    before = threading.active_count()
    held = [connect(served) for _ in range(4)]  # each holds a connection thread (idle keep-alive)
    try:
        extra = [socket.create_connection(("127.0.0.1", served[0].port), timeout=5) for _ in range(20)]
        time.sleep(0.3)
        assert threading.active_count() - before <= 4
        for sock in extra:
            sock.settimeout(2)
            assert sock.recv(1) == b""  # closed at once, no TLS, no thread
            sock.close()
    finally:
        for conn in held:
            conn.close()
