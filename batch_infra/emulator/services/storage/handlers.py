"""HTTP handlers for storage accounts: parse, call the models, shape Azure's responses and LRO headers."""

from __future__ import annotations

from typing import Any

from batch_infra.emulator import arm
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.http import Request, Response
from batch_infra.emulator.services.storage import expand, models


class StorageAccountHandlers:
    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        ctx.lro.completer("storage_account_create", self._complete_create)

    def _names(self, request: Request) -> tuple[str, str, str]:
        arm.require_resource_group(self.ctx, request)
        return self.ctx.subscription_id, request.params["resource_group"], request.params["account_name"]

    def create(self, request: Request) -> Response:
        subscription, group, name = self._names(request)
        doc, created = models.begin_create(self.ctx, subscription, group, name, arm.body_object(request))
        if not created:
            return Response(200, doc)
        headers = self.ctx.lro.begin(
            "storage_account_create",
            {"id": doc["id"]},
            provider="Microsoft.Storage",
            api_version=request.api_version,
        )
        return Response(202, None, headers)

    def _complete_create(self, subject: dict[str, Any]) -> Response:
        return Response(200, models.finish_create(self.ctx, subject["id"]))

    def get(self, request: Request) -> Response:
        doc = models.get(self.ctx, *self._names(request))
        return Response(200, expand.expanded(self.ctx, doc, request.query.get("$expand")))

    def update(self, request: Request) -> Response:
        return Response(200, models.update(self.ctx, *self._names(request), arm.body_object(request)))

    def delete(self, request: Request) -> Response:
        return Response(200 if models.delete(self.ctx, *self._names(request)) else 204)

    def list_keys(self, request: Request) -> Response:
        return Response(200, models.list_keys(self.ctx, *self._names(request)))

    def regenerate_key(self, request: Request) -> Response:
        body = arm.body_object(request)
        return Response(200, models.regenerate_key(self.ctx, *self._names(request), body.get("keyName")))

    def check_name(self, request: Request) -> Response:
        arm.check_subscription(self.ctx, request)
        body = arm.body_object(request)
        if body.get("type") != models.TYPE:
            raise AzureError(
                400,
                "InvalidValuesForRequestParameters",
                f"'type' must be '{models.TYPE}', got '{body.get('type')}'.",
                target="type",
            )
        return Response(200, models.check_name(self.ctx, body.get("name")))

    def list_in_group(self, request: Request) -> Response:
        arm.require_resource_group(self.ctx, request)
        prefix = arm.resource_group_id(self.ctx.subscription_id, request.params["resource_group"]) + "/"
        return Response(200, {"value": models.list_accounts(self.ctx, prefix)})

    def list_in_subscription(self, request: Request) -> Response:
        arm.check_subscription(self.ctx, request)
        return Response(
            200, {"value": models.list_accounts(self.ctx, f"/subscriptions/{self.ctx.subscription_id}/")}
        )
