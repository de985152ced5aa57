"""The admin API under /admin: fault rules, the request log, Batch quotas, reset, clock, settings and
resources of types the emulator does not serve."""

from __future__ import annotations

from typing import TYPE_CHECKING

from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.faults import parse_rule
from batch_infra.emulator.http import Request, Response
from batch_infra.emulator.routing import Router

if TYPE_CHECKING:
    from batch_infra.emulator.app import EmulatorApp

QUOTAS_COLLECTION = "batch_quotas"  # used when the Batch service installed no ctx.quota_setter


class AdminApi:
    def __init__(self, app: EmulatorApp) -> None:
        self.app = app
        self.router = Router()
        routes = [
            ("GET", "/faults", self.list_faults),
            ("POST", "/faults", self.add_faults),
            ("DELETE", "/faults", self.clear_faults),
            ("GET", "/requests", self.requests),
            ("DELETE", "/requests", self.clear_requests),
            ("PUT", r"/accounts/(?P<account>[^/]+)/quotas", self.set_quotas),
            ("POST", "/reset", self.reset),
            ("GET", "/clock", self.clock),
            ("POST", "/clock", self.advance_clock),
            ("GET", "/settings", self.settings),
            ("PUT", "/settings", self.update_settings),
            ("PUT", "/resources", self.seed_resource),
        ]
        for method, path, handler in routes:
            self.router.add(method, "/admin" + path, handler, api_versions=())

    def handle(self, request: Request) -> Response:
        from batch_infra.emulator.app import bearer_ok

        try:
            if not bearer_ok(request, self.app.ctx.token):
                raise AzureError(
                    401,
                    "AuthenticationFailed",
                    "The admin API needs 'Authorization: Bearer <token>' with the ready file's token.",
                )
            route, params = self.router.match(request.method, request.path)
            request.params = params
            return route.handler(request)
        except AzureError as err:
            return Response(err.status, err.body("arm"), dict(err.headers))

    def list_faults(self, request: Request) -> Response:
        return Response(200, self.app.faults.rules())

    def add_faults(self, request: Request) -> Response:
        body = request.json()
        specs = body if isinstance(body, list) else [body]
        rules = [parse_rule(spec) for spec in specs]  # validate all before adding any
        for rule in rules:
            self.app.faults.add(rule)
        return Response(201, self.app.faults.rules())

    def clear_faults(self, request: Request) -> Response:
        self.app.faults.clear()
        return Response(204)

    def requests(self, request: Request) -> Response:
        return Response(200, self.app.log.entries())

    def clear_requests(self, request: Request) -> Response:
        self.app.log.clear()
        return Response(204)

    def set_quotas(self, request: Request) -> Response:
        account = request.params["account"]
        quotas = request.json()
        if not isinstance(quotas, dict):
            raise AzureError(400, "InvalidRequestContent", "Quotas must be a JSON object of quota fields.")
        ctx = self.app.ctx
        if ctx.quota_setter is not None:
            return Response(200, ctx.quota_setter(account, quotas))
        with ctx.state.transaction() as state:
            merged = {**(state.get(QUOTAS_COLLECTION, account) or {}), **quotas}
            state.put(QUOTAS_COLLECTION, account.lower(), merged)
        return Response(200, merged)

    def reset(self, request: Request) -> Response:
        self.app.reset()
        return Response(204)

    def clock(self, request: Request) -> Response:
        return Response(
            200, {"now": self.app.ctx.now().isoformat(), "offset_seconds": self.app.ctx.clock_offset}
        )

    def advance_clock(self, request: Request) -> Response:
        body = request.json()
        seconds = body.get("seconds") if isinstance(body, dict) else None
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise AzureError(
                400,
                "InvalidRequestContent",
                'Send {"seconds": N} with N >= 0: the emulator\'s clock only moves forward.',
                target="seconds",
            )
        self.app.ctx.set_clock_offset(self.app.ctx.clock_offset + float(seconds))
        return self.clock(request)

    def seed_resource(self, request: Request) -> Response:
        from batch_infra.emulator.foreign import seed

        return Response(200, seed(self.app.ctx, request.json()))

    def settings(self, request: Request) -> Response:
        return Response(200, dict(self.app.ctx.settings))

    def update_settings(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            raise AzureError(400, "InvalidRequestContent", "Settings must be a JSON object.")
        unknown = sorted(set(body) - set(self.app.default_settings))
        if unknown:
            raise AzureError(
                400,
                "UnknownSetting",
                f"Unknown setting(s) {unknown}; known: {sorted(self.app.default_settings)}.",
                target=unknown[0],
            )
        for key, value in body.items():
            check_setting(key, value, self.app.default_settings[key])
        self.app.ctx.settings.update(body)
        return self.settings(request)


def check_setting(key: str, value: object, default: object) -> None:
    """A setting keeps its default's type (bool, integer, or number) and, being a count or a
    duration, is never negative; anything else is a 400 naming the key."""
    if isinstance(default, bool):
        ok, wanted = isinstance(value, bool), "true or false"
    elif isinstance(default, int):
        ok, wanted = isinstance(value, int) and not isinstance(value, bool) and value >= 0, "an integer >= 0"
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
        wanted = "a number >= 0"
    else:
        ok, wanted = isinstance(value, type(default)), type(default).__name__
    if not ok:
        raise AzureError(
            400, "InvalidSettingValue", f"Setting '{key}' must be {wanted}, got {value!r}.", target=key
        )
