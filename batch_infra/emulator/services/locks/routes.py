"""URL patterns of management locks at any scope (Microsoft.Authorization 2020-05-01, *AtScope)."""

from __future__ import annotations

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.http import Request, Response
from batch_infra.emulator.routing import Router
from batch_infra.emulator.services.locks import models

SCOPE = r"(?P<scope>/subscriptions/[^/]+(?:/resourceGroups/[^/]+(?:/providers/.+?)?)?)"
LOCK = SCOPE + r"/providers/Microsoft\.Authorization/locks/(?P<lock>[^/]+)"


def add_routes(router: Router, ctx: EmulatorContext) -> None:
    def put(request: Request) -> Response:
        doc, created = models.put(ctx, request.params["scope"], request.params["lock"], request.json())
        return Response(201 if created else 200, doc)

    def get(request: Request) -> Response:
        return Response(200, models.get(ctx, request.params["scope"], request.params["lock"]))

    def delete(request: Request) -> Response:
        return Response(200 if models.delete(ctx, request.params["scope"], request.params["lock"]) else 204)

    def list_at(request: Request) -> Response:
        return Response(200, {"value": models.list_at(ctx, request.params["scope"])})

    for method, path, handler in (
        ("PUT", LOCK, put),
        ("GET", LOCK, get),
        ("DELETE", LOCK, delete),
        ("GET", SCOPE + r"/providers/Microsoft\.Authorization/locks", list_at),
    ):
        router.add(method, path, handler, resource_type=models.LOCK_TYPE)
