"""URL patterns and handlers of diagnostic settings (at any resource) and Log Analytics workspaces."""

from __future__ import annotations

from typing import Any

from batch_infra.emulator import arm
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.http import Request, Response
from batch_infra.emulator.routing import RG, Router
from batch_infra.emulator.services.monitoring import models

SETTING_VERSIONS = ("2021-05-01-preview",)
WORKSPACE_VERSIONS = ("2023-09-01", "2022-10-01", "2025-02-01")
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

    router.add("PUT", SETTING, put_setting, api_versions=SETTING_VERSIONS)
    router.add("GET", SETTING, get_setting, api_versions=SETTING_VERSIONS)
    router.add("DELETE", SETTING, delete_setting, api_versions=SETTING_VERSIONS)
    router.add("PUT", WORKSPACE, put_workspace, api_versions=WORKSPACE_VERSIONS)
    router.add("GET", WORKSPACE, get_workspace, api_versions=WORKSPACE_VERSIONS)
    router.add("DELETE", WORKSPACE, delete_workspace, api_versions=WORKSPACE_VERSIONS)
