"""HTTP handlers for resource groups: parse the request, call the models, shape Azure's responses."""

from __future__ import annotations

import re
from typing import Any

from batch_infra.emulator import arm
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.http import Request, Response
from batch_infra.emulator.services.resources import models

# ResourceGroups_Delete's forceDeletionTypes: "Currently, only the following is supported:
# forceDeletionTypes=Microsoft.Compute/virtualMachines,Microsoft.Compute/virtualMachineScaleSets" (the
# 2025-04-01 spec's parameter description); Azure's error code for another value is not published
# (unverified).
FORCE_DELETION_TYPES = ("microsoft.compute/virtualmachines", "microsoft.compute/virtualmachinescalesets")
_TAG_FILTER = re.compile(
    r"^\s*tagName\s+eq\s+'([^']*)'(?:\s+and\s+tagValue\s+eq\s+'([^']*)')?\s*$", re.IGNORECASE
)


class ResourceGroupHandlers:
    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        ctx.lro.completer("resource_group_delete", self._complete_delete)

    def _names(self, request: Request) -> tuple[str, str]:
        return arm.check_subscription(self.ctx, request), request.params["resource_group"]

    def create_or_update(self, request: Request) -> Response:
        subscription, name = self._names(request)
        group, created = models.create_or_update(self.ctx, subscription, name, arm.body_object(request))
        return Response(201 if created else 200, group)

    def get(self, request: Request) -> Response:
        return Response(200, models.get(self.ctx, *self._names(request)))

    def head(self, request: Request) -> Response:
        subscription, name = self._names(request)
        try:
            models.get(self.ctx, subscription, name)
        except AzureError as err:
            return Response(err.status)  # CheckExistence answers 404 with no body
        return Response(204)

    def update(self, request: Request) -> Response:
        subscription, name = self._names(request)
        return Response(200, models.update(self.ctx, subscription, name, arm.body_object(request)))

    def delete(self, request: Request) -> Response:
        subscription, name = self._names(request)
        _check_force_deletion_types(request.query.get("forceDeletionTypes"))
        group = models.begin_delete(self.ctx, subscription, name)
        headers = self.ctx.lro.begin(
            "resource_group_delete",
            {"id": group["id"]},
            provider="Microsoft.Resources",
            api_version=request.api_version,
        )
        return Response(202, None, headers)

    def _complete_delete(self, subject: dict[str, Any]) -> Response:
        models.finish_delete(self.ctx, subject["id"])
        return Response(200)

    def list(self, request: Request) -> Response:
        subscription = arm.check_subscription(self.ctx, request)
        groups = models.list_groups(self.ctx, subscription)
        groups = _filter(groups, request.query.get("$filter"))
        top = request.query.get("$top")
        if top is not None:
            if not top.isdigit():
                raise AzureError(
                    400, "InvalidQueryParameterValue", f"$top must be an integer, got '{top}'.", target="$top"
                )
            groups = groups[: int(top)]
        return Response(200, {"value": groups})


def _check_force_deletion_types(value: str | None) -> None:
    if value is None:
        return
    unknown = [t for t in value.split(",") if t.strip().lower() not in FORCE_DELETION_TYPES]
    if unknown or not value.strip():
        raise AzureError(
            400,
            "InvalidParameter",
            f"forceDeletionTypes '{value}' is not supported: use Microsoft.Compute/virtualMachines, "
            "Microsoft.Compute/virtualMachineScaleSets or both, comma-separated.",
            target="forceDeletionTypes",
        )


def _filter(groups: list[dict[str, Any]], expression: str | None) -> list[dict[str, Any]]:
    """ResourceGroups_List's $filter: `tagName eq 'n' [and tagValue eq 'v']`; anything else is refused."""
    if expression is None:
        return groups
    found = _TAG_FILTER.match(expression)
    if not found:
        raise AzureError(
            400,
            "InvalidFilterInQueryString",
            f"Invalid $filter '{expression}': use \"tagName eq 'name'\" optionally "
            "followed by \"and tagValue eq 'value'\".",
            target="$filter",
        )
    name, value = found.group(1), found.group(2)
    return [g for g in groups if name in g.get("tags", {}) and (value is None or g["tags"][name] == value)]
