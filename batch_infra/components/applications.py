"""BatchApplications: one Batch application per configured id (packages are added by their own provider)."""

from __future__ import annotations

from typing import TypedDict

import pulumi
from pulumi_azure_native import batch

from batch_infra.config.applications import ApplicationConfig

TYPE = "batch-infra:applications:BatchApplications"


class BatchApplicationsArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    """Required. The Batch account's resource group."""
    account_name: pulumi.Input[str]
    """Required. The Batch account the applications belong to."""
    applications: list[ApplicationConfig]
    """Required. Validated applications (ids unique case-insensitively)."""


class BatchApplications(pulumi.ComponentResource):
    """The account's applications, keyed by application id."""

    application_ids: pulumi.Output[dict[str, str]]
    """Application id -> its resource id."""

    def __init__(
        self, name: str, args: BatchApplicationsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        self.applications: dict[str, batch.Application] = {
            app.id: self._application(name, app, args) for app in args["applications"]
        }
        self.application_ids = (
            pulumi.Output.all(**{app_id: app.id for app_id, app in self.applications.items()})
            if self.applications
            else pulumi.Output.from_input({})
        )
        self.register_outputs({"application_ids": self.application_ids})

    def _application(
        self, name: str, app: ApplicationConfig, args: BatchApplicationsArgs
    ) -> batch.Application:
        # defaultVersion is left unset on purpose: Azure refuses a default that names a package not yet
        # uploaded, and packages are created after the application. The application-package provider sets
        # it once that package is active, so it is ignored here to keep `pulumi up` from clearing it.
        return batch.Application(
            f"{name}-{app.id}",
            application_name=app.id,
            account_name=args["account_name"],
            resource_group_name=args["resource_group_name"],
            display_name=app.display_name or app.id,
            allow_updates=app.allow_updates,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["defaultVersion"]),
        )
