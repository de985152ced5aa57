"""The emulator's request pipeline: route -> api-version -> auth -> faults -> handler, with a request log."""

from __future__ import annotations

import hmac
import sys
import threading
import time
import traceback
import uuid
from collections import deque
from typing import Any

from batch_infra.emulator import arm
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError, Envelope
from batch_infra.emulator.faults import FaultInjector
from batch_infra.emulator.http import Request, Response
from batch_infra.emulator.routing import Route, Router
from batch_infra.emulator.services import SERVICES, register_services

ADMIN_PREFIX = "/admin"
DROP = None  # what `handle` returns when a fault says: close the connection without answering
_LOG_LIMIT = 200_000  # entries kept; a benchmark must not grow memory without bound


class RequestLog:
    """Every Azure API request served (admin calls excluded), oldest first, faulted requests included."""

    def __init__(self) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=_LOG_LIMIT)
        self._lock = threading.Lock()

    def append(self, request: Request, status: int | None, started: float) -> None:
        entry = {
            "method": request.method,
            "path": request.path,
            "api_version": request.api_version,
            "status": status,  # None when a fault dropped the connection
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
        }
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def bearer_ok(request: Request, token: str) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


def _arm_auth_error(request: Request, ctx: EmulatorContext) -> AzureError:
    challenge = (
        f'Bearer authorization_uri="https://login.microsoftonline.com/{ctx.tenant_id}", '
        'error="invalid_token", error_description="The authentication failed."'
    )
    if "authorization" not in request.headers:
        return AzureError(
            401,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
            headers={"WWW-Authenticate": challenge},
        )
    return AzureError(
        401,
        "InvalidAuthenticationToken",
        "The access token is invalid: it is not the emulator's token (see the ready file).",
        headers={"WWW-Authenticate": challenge},
    )


def _keyvault_auth_error(ctx: EmulatorContext) -> AzureError:
    """Key Vault clients send a first request without a token and need this challenge (with the resource)."""
    challenge = (
        f'Bearer authorization="https://login.microsoftonline.com/{ctx.tenant_id}", '
        'resource="https://vault.azure.net"'
    )
    return AzureError(
        401,
        "Unauthorized",
        "AKV10000: Request is missing a Bearer or PoP token.",
        headers={"WWW-Authenticate": challenge},
    )


class EmulatorApp:
    """One emulator process's Azure APIs, fault rules and request log; transport-neutral (see server.py)."""

    def __init__(
        self, ctx: EmulatorContext, *, seed: int | None = None, services: tuple[str, ...] = SERVICES
    ) -> None:
        from batch_infra.emulator.admin import AdminApi  # admin needs the app; import here avoids a cycle

        self.ctx = ctx
        self.router = Router()
        self.faults = FaultInjector(seed)
        self.log = RequestLog()
        ctx.lro.register_routes(self.router)
        self.services = register_services(self.router, ctx, services)
        self.default_settings = dict(ctx.settings)  # after services added theirs: what reset restores
        self.admin = AdminApi(self)

    def handle(self, request: Request) -> Response | None:
        """The response to send, or DROP (None) to close the connection without one."""
        if request.path == ADMIN_PREFIX or request.path.startswith(ADMIN_PREFIX + "/"):
            return self.admin.handle(request)
        started = time.perf_counter()
        response = self._respond(request)
        self.log.append(request, response.status if response is not None else None, started)
        return response

    def reset(self) -> None:
        """Back to a fresh emulator: empty state, no faults, empty log, real time, default settings."""
        self.ctx.state.reset()
        self.ctx.lro.forget()
        if self.ctx.blob is not None:
            self.ctx.blob.delete_all_containers()  # else a reset emulator would still hold old uploads
        self.faults.clear()
        self.log.clear()
        self.ctx.set_clock_offset(0.0)
        self.ctx.settings.clear()
        self.ctx.settings.update(self.default_settings)

    def _respond(self, request: Request) -> Response | None:
        envelope: Envelope = "batch" if request.path.lower().startswith("/batch/") else "arm"
        try:
            route, params = self.router.match(request.method, request.path)
            envelope = route.envelope
            request.params = params
            self._authenticate(route, request)  # before the api-version, as ARM answers 401 first
            self.router.check_api_version(
                route, request, lambda: arm.request_location(self.ctx, request), arm.REGIONS
            )
            if route.auth == "bearer" and self.ctx.arm_write_guard is not None:
                self.ctx.arm_write_guard(request)
            fault = self.faults.pick(request.method, request.path, request.api_version)
            if fault is not None:
                if fault.delay_ms:
                    time.sleep(fault.delay_ms / 1000)
                if fault.drop:
                    return DROP
                if fault.error is not None:
                    raise fault.error
            self.ctx.lro.settle()  # operations whose time has come finish before anyone reads
            response = route.handler(request)
            if fault is not None and fault.lose_response:
                return DROP  # served, answer lost: what a client sees when a connection dies on the way back
        except AzureError as err:
            response = Response(err.status, err.body(envelope), dict(err.headers))
        except Exception:  # noqa: BLE001 - a handler bug must reach the client as Azure's 500 AND stderr
            print(f"emulator: unhandled error serving {request.method} {request.path}", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
            error = AzureError(
                500,
                "InternalServerError",
                "The emulator failed to process the request; see its stderr for the traceback.",
            )
            response = Response(500, error.body(envelope))
        request_id = str(uuid.uuid4())
        response.headers.setdefault("x-ms-request-id", request_id)
        if envelope == "batch":
            response.headers.setdefault("request-id", request_id)
        return response

    def _authenticate(self, route: Route, request: Request) -> None:
        if route.auth == "batch":
            if self.ctx.data_plane_network is not None:
                self.ctx.data_plane_network(
                    request, request.params.get("location", ""), request.params.get("account", "")
                )
            self._authenticate_data_plane(request)
            return
        if route.auth == "storage":
            return  # Storage refuses in its own XML form: its handler checks (storage/blob_front_door.py)
        if bearer_ok(request, self.ctx.token):
            return
        if route.auth == "keyvault":
            raise _keyvault_auth_error(self.ctx)
        raise _arm_auth_error(request, self.ctx)

    def _authenticate_data_plane(self, request: Request) -> None:
        """SharedKey or bearer, judged by the Batch service's hook against the account's allowed modes."""
        scheme = request.headers.get("authorization", "").partition(" ")[0].lower()
        if self.ctx.data_plane_auth is not None and scheme in ("sharedkey", "bearer"):
            self.ctx.data_plane_auth(request, request.params.get("account", ""))
            return
        if self.ctx.data_plane_auth is None and bearer_ok(request, self.ctx.token):
            return  # no Batch service registered (framework tests): the emulator's token is enough
        raise AzureError(
            401,
            "AuthenticationFailed",
            "Server failed to authenticate the request. Make sure the value of the Authorization "
            "header is formed correctly including the signature (SharedKey or Bearer).",
        )
