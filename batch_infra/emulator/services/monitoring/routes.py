"""URL patterns and handlers of diagnostic settings (at any resource) and Log Analytics workspaces."""

from __future__ import annotations

from typing import Any

from batch_infra.emulator import arm
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.http import Request, Response
from batch_infra.emulator.routing import RG, Router
from batch_infra.emulator.services.monitoring import models

SETTING = (
    r"(?P<resource>/subscriptions/[^/]+/resourceGroups/[^/]+/providers/.+?)"
    r"/providers/Microsoft\.Insights/diagnosticSettings/(?P<setting>[^/]+)"
)
WORKSPACE = RG + r"/providers/Microsoft\.OperationalInsights/workspaces/(?P<workspace>[^/]+)"


def add_routes(router: Router, ctx: EmulatorContext) -> None:
    def finish(subject: dict[str, Any]) -> Response:
        with ctx.state.transaction() as state:
            doc = state.get(models.WORKSPACES, subject["id"])
            if doc is None:
                return Response(200)
            doc["properties"]["provisioningState"] = "Succeeded"
            state.put(models.WORKSPACES, subject["id"], doc)
        return Response(200, doc)

    ctx.lro.completer("workspace_put", finish)

    def put_setting(request: Request) -> Response:
        doc = models.put_setting(ctx, request.params["resource"], request.params["setting"], request.json())
        return Response(200, doc)

    def get_setting(request: Request) -> Response:
        return Response(200, models.get_setting(ctx, request.params["resource"], request.params["setting"]))

    def delete_setting(request: Request) -> Response:
        found = models.delete_setting(ctx, request.params["resource"], request.params["setting"])
        return Response(200 if found else 204)

    def group(request: Request) -> tuple[str, str]:
        arm.require_resource_group(ctx, request)
        return ctx.subscription_id, request.params["resource_group"]

    def put_workspace(request: Request) -> Response:
        doc, created = models.put_workspace(ctx, *group(request), request.params["workspace"], request.json())
        headers = ctx.lro.begin(
            "workspace_put",
            {"id": doc["id"]},
            provider="Microsoft.OperationalInsights",
            api_version=request.api_version,
            location_header=False,
            async_header=True,
        )
        return Response(201 if created else 200, doc, headers)

    def get_workspace(request: Request) -> Response:
        subscription, name = group(request)
        doc = ctx.state.get(
            models.WORKSPACES, models.workspace_id(subscription, name, request.params["workspace"])
        )
        if doc is None:
            raise models.AzureError(
                404,
                "ResourceNotFound",
                f"The Resource '{models.WORKSPACE_TYPE}/"
                f"{request.params['workspace']}' under resource group '{name}' was not found.",
            )
        return Response(200, doc)

    def delete_workspace(request: Request) -> Response:
        subscription, name = group(request)
        key = models.workspace_id(subscription, name, request.params["workspace"])
        return Response(200 if ctx.state.delete(models.WORKSPACES, key) else 204)

    for path, kind, put, get, delete in (
        (SETTING, models.SETTING_TYPE, put_setting, get_setting, delete_setting),
        (WORKSPACE, models.WORKSPACE_TYPE, put_workspace, get_workspace, delete_workspace),
    ):
        for method, handler in (("PUT", put), ("GET", get), ("DELETE", delete)):
            router.add(method, path, handler, resource_type=kind)
