"""HTTP handlers for user-assigned identities: 201 on create, 200 on update, 200/204 on delete."""

from __future__ import annotations

from batch_infra.emulator import arm
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.http import Request, Response
from batch_infra.emulator.services.managedidentity import models


class IdentityHandlers:
    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx

    def put(self, request: Request) -> Response:
        arm.require_resource_group(self.ctx, request)
        body = arm.body_object(request)
        arm.check_tags(body)
        identity, created = models.create_or_update(
            self.ctx, request.params["resource_group"], request.params["name"], body, request.api_version
        )
        return Response(201 if created else 200, models.served(identity, request.api_version))

    def get(self, request: Request) -> Response:
        arm.require_resource_group(self.ctx, request)
        identity = models.get(self.ctx, request.params["resource_group"], request.params["name"])
        return Response(200, models.served(identity, request.api_version))

    def delete(self, request: Request) -> Response:
        arm.require_resource_group(self.ctx, request)
        deleted = models.delete(self.ctx, request.params["resource_group"], request.params["name"])
        return Response(200 if deleted else 204)
