"""HTTP handlers for role assignments: 201 on create, 200 on get, 200 with the assignment or 204 on delete."""

from __future__ import annotations

from batch_infra.emulator import arm
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.http import Request, Response
from batch_infra.emulator.services.authorization import models


class RoleAssignmentHandlers:
    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx

    def put(self, request: Request) -> Response:
        arm.check_subscription(self.ctx, request)
        body = arm.body_object(request)
        assignment, created = models.create(self.ctx, request.params["scope"], request.params["name"], body)
        return Response(201 if created else 200, assignment)

    def get(self, request: Request) -> Response:
        arm.check_subscription(self.ctx, request)
        return Response(200, models.get(self.ctx, request.params["scope"], request.params["name"]))

    def delete(self, request: Request) -> Response:
        arm.check_subscription(self.ctx, request)
        deleted = models.delete(self.ctx, request.params["scope"], request.params["name"])
        return Response(200, deleted) if deleted is not None else Response(204)
