"""BatchEnvironment: one whole environment (resource group, network, accounts, applications) plus seams."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import resources

from batch_infra.components.account import BatchAccount
from batch_infra.components.applications import BatchApplications
from batch_infra.components.guard_rails import GuardRails
from batch_infra.components.network import BatchNetwork
from batch_infra.components.packages import subscription_of
from batch_infra.components.private_link import PrivateLink
from batch_infra.config.stack import StackConfig

TYPE = "batch-infra:environment:BatchEnvironment"


class BatchEnvironmentArgs(TypedDict):
    config: StackConfig
    """Required. The stack's validated configuration."""
    project_dir: str
    """Required. Directory holding Pulumi.yaml; application package paths are relative to it."""
    secret_sections: NotRequired[frozenset[str]]
    """Optional. Config keys holding secure values (LoadedStack.secret_sections): all they feed is secret."""


@dataclass(frozen=True)
class ExistingResourceGroup:
    """A resource group the stack uses but does not own (naming.existingResourceGroup): never created or
    deleted; its id is read off the Batch account's, so no invoke is needed."""

    name: pulumi.Output[str]
    id: pulumi.Output[str]


@dataclass(frozen=True)
class EnvironmentParts:
    """What the seams get: everything built before them, so later resources can reference it."""

    name: str
    config: StackConfig
    project_dir: Path
    resource_group: resources.ResourceGroup | ExistingResourceGroup
    network: BatchNetwork
    account: BatchAccount
    applications: BatchApplications


class BatchEnvironment(pulumi.ComponentResource):
    """A complete Azure Batch environment for one stack; children are named f"{name}-<role>"."""

    resource_group_name: pulumi.Output[str]
    """The environment's resource group."""
    location: pulumi.Output[str]
    """The Azure region every child is created in."""
    virtual_network_id: pulumi.Output[str]
    """The VNet's resource id."""
    subnet_id: pulumi.Output[str]
    """The pool subnet's resource id."""
    storage_account_name: pulumi.Output[str]
    """The auto-storage account's name."""
    batch_account_name: pulumi.Output[str]
    """The Batch account's name."""
    batch_account_id: pulumi.Output[str]
    """The Batch account's resource id."""
    account_endpoint: pulumi.Output[str]
    """The Batch data-plane endpoint."""
    application_ids: pulumi.Output[dict[str, str]]
    """Application id -> resource id."""
    pool_ids: pulumi.Output[list[str]]
    """Ids of the pools this environment manages (empty until pools are wired)."""
    subscription_id: pulumi.Output[str]
    """The subscription everything lives in (from the Batch account's id)."""
    storage_account_id: pulumi.Output[str]
    """The auto-storage account's resource id."""
    pool_resource_ids: pulumi.Output[dict[str, str]]
    """Pool id -> the pool's ARM resource id (the Pool's azureId output)."""
    application_package_versions: pulumi.Output[dict[str, list[str]]]
    """Application id -> its package versions, once they are published."""

    def __init__(
        self, name: str, args: BatchEnvironmentArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        config = args["config"]
        self.secret_pools = "pools" in args.get("secret_sections", frozenset())
        parts = self._core(name, config, Path(args["project_dir"]))
        packages = self._add_packages(parts)
        quota_checks = self._add_quota_check(parts)
        pools = self._add_pools(parts, depends_on=[*packages, *quota_checks])

        self.resource_group_name = parts.resource_group.name
        self.location = pulumi.Output.from_input(config.location)
        self.virtual_network_id = parts.network.virtual_network_id
        self.subnet_id = parts.network.subnet_id
        self.storage_account_name = parts.account.storage_account_name
        self.batch_account_name = parts.account.batch_account_name
        self.batch_account_id = parts.account.batch_account_id
        self.account_endpoint = parts.account.account_endpoint
        self.application_ids = parts.applications.application_ids
        self.pool_ids = pulumi.Output.from_input(sorted(pools))
        self.subscription_id = parts.account.batch_account_id.apply(subscription_of)
        self.storage_account_id = parts.account.storage_account_id
        # Output.all() of no pools is a list ([]): the registered dict[str, str] output then breaks every
        # later run of the program ("Expected 'list' got 'dict[str, str]'"); dict() keeps it a map.
        azure_ids = {k: p.azureId for k, p in pools.items()}  # type: ignore[attr-defined]
        self.pool_resource_ids = pulumi.Output.all(**azure_ids).apply(dict)
        self.application_package_versions = self._package_versions()
        if self.secret_pools:
            self.pool_ids = pulumi.Output.secret(self.pool_ids)
            self.pool_resource_ids = pulumi.Output.secret(self.pool_resource_ids)
        self.register_outputs(
            {
                "subscription_id": self.subscription_id,
                "storage_account_id": self.storage_account_id,
                "pool_resource_ids": self.pool_resource_ids,
                "application_package_versions": self.application_package_versions,
                "resource_group_name": self.resource_group_name,
                "location": self.location,
                "virtual_network_id": self.virtual_network_id,
                "subnet_id": self.subnet_id,
                "storage_account_name": self.storage_account_name,
                "batch_account_name": self.batch_account_name,
                "batch_account_id": self.batch_account_id,
                "account_endpoint": self.account_endpoint,
                "application_ids": self.application_ids,
                "pool_ids": self.pool_ids,
            }
        )

    def _package_versions(self) -> pulumi.Output[dict[str, list[str]]]:
        """Application id -> versions, resolved once every package is published (its id is known)."""
        versions: dict[str, list[str]] = {}
        for application, version in self.application_packages:
            versions.setdefault(application, []).append(version)
        published = [package.id for package in self.application_packages.values()]
        return pulumi.Output.all(*published).apply(lambda _: {a: sorted(v) for a, v in versions.items()})

    def _core(self, name: str, config: StackConfig, project_dir: Path) -> EnvironmentParts:
        names, tags, location = config.names(), config.all_tags(), config.location
        child = pulumi.ResourceOptions(parent=self)
        policies = config.policies
        kept = {"protect": policies.protect_stateful_resources, "retain_on_delete": policies.retain_on_delete}
        group_name: pulumi.Input[str] = names.resource_group
        group = None
        if not config.naming.existing_resource_group:
            group = resources.ResourceGroup(
                f"{name}-rg",
                resource_group_name=names.resource_group,
                location=location,
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self, **kept),
            )
            group_name = group.name
        network = BatchNetwork(
            f"{name}-network",
            {
                "resource_group_name": group_name,
                "location": location,
                "virtual_network_name": names.virtual_network,
                "subnet_name": names.subnet,
                "network_security_group_name": names.network_security_group,
                "network": config.network,
                "pools": list(config.pools),
                "tags": tags,
            },
            child,
        )
        account = BatchAccount(
            f"{name}-account",
            {
                "resource_group_name": group_name,
                "location": location,
                "storage_account_name": names.storage_account,
                "batch_account_name": names.batch_account,
                "account": config.account,
                "tags": tags,
                **kept,
            },
            child,
        )
        applications = BatchApplications(
            f"{name}-applications",
            {
                "resource_group_name": group_name,
                "account_name": account.batch_account_name,
                "applications": list(config.applications),
            },
            child,
        )
        if group is None:
            group = ExistingResourceGroup(
                pulumi.Output.from_input(names.resource_group),
                account.batch_account_id.apply(lambda i: i.split("/providers/", 1)[0]),
            )
        self._add_private_access(name, config, group, network, account, child)
        return EnvironmentParts(name, config, project_dir, group, network, account, applications)

    def _add_private_access(
        self,
        name: str,
        config: StackConfig,
        group: resources.ResourceGroup | ExistingResourceGroup,
        network: BatchNetwork,
        account: BatchAccount,
        child: pulumi.ResourceOptions,
    ) -> None:
        """Private endpoints (with their DNS), then diagnostics, locks and role assignments on the result."""
        names, tags = config.names(), config.all_tags()
        if config.account.private_endpoints or config.account.auto_storage.private_endpoints:
            PrivateLink(
                f"{name}-private-link",
                {
                    "resource_group_name": group.name,
                    "location": config.location,
                    "virtual_network_id": network.virtual_network_id,
                    "subnet_id": network.private_endpoint_subnet_id,
                    "batch_account_id": account.batch_account_id,
                    "batch_account_name": names.batch_account,
                    "storage_account_id": account.storage_account_id,
                    "storage_account_name": _storage_name(config),
                    "account": config.account,
                    "tags": tags,
                },
                child,
            )
        if config.account.diagnostic_settings is None and not config.locks and not config.role_assignments:
            return
        GuardRails(
            f"{name}-guard-rails",
            {
                "resource_group_name": group.name,
                "location": config.location,
                "workspace_name": f"log-{config.naming.prefix}-{config.environment}-batch",
                "scopes": {
                    "resourceGroup": group.id,
                    "batchAccount": account.batch_account_id,
                    "storageAccount": account.storage_account_id,
                },
                "diagnostic_settings": config.account.diagnostic_settings,
                "locks": list(config.locks),
                "role_assignments": list(config.role_assignments),
                "tags": tags,
            },
            child,
        )

    # ---- Seams for the dynamic resources of later issues -------------------------------------------------
    # The order is fixed by __init__: packages after the applications; the quota check after the account and
    # before any pool; pools after the account, the packages they reference and the quota check. Each seam
    # creates its resources with ResourceOptions(parent=self) and names f"{parts.name}-<role>", and returns
    # them so the next seam can depend on them. Until a seam is wired it creates nothing. Child names are
    # public API (tests/components/snapshots): choose them once.

    def _add_packages(self, parts: EnvironmentParts) -> list[pulumi.Resource]:
        """Application packages, one per (application, version) in the config.

        Named f"{parts.name}-package-<app id>-<version>", each after its application; paths resolve against
        parts.project_dir. `self.application_packages` keys them by (application id, version) for pools.
        """
        from batch_infra.components.packages import application_packages

        self.application_packages = application_packages(
            parts.name,
            applications=list(parts.config.applications),
            application_resources=parts.applications.applications,
            batch_account_id=parts.account.batch_account_id,
            resource_group_name=parts.resource_group.name,
            account_name=parts.account.batch_account_name,
            project_dir=parts.project_dir,
            parent=self,
            storage_roles=list(parts.account.role_assignments),
        )
        return list(self.application_packages.values())

    def _add_quota_check(self, parts: EnvironmentParts) -> list[pulumi.Resource]:
        """The QuotaCheck of the stack's total demand against the account's and region's quotas.

        Wire here: the quota dynamic provider, named f"{parts.name}-quota", after parts.account.
        """
        from batch_infra.providers.quota import QuotaCheck, quota_check_inputs

        inputs = quota_check_inputs(parts.config, parts.account.batch_account_id)
        if self.secret_pools:
            inputs["pools"] = pulumi.Output.secret(inputs["pools"])
        opts = pulumi.ResourceOptions(parent=self, depends_on=[parts.account, parts.applications])
        return [QuotaCheck(f"{parts.name}-quota", inputs, opts)]

    def _add_pools(
        self, parts: EnvironmentParts, depends_on: list[pulumi.Resource]
    ) -> dict[str, pulumi.Resource]:
        """Pools, keyed by pool id, each depending on `depends_on` (packages and the quota check).

        Wire here: the pool dynamic provider, named f"{parts.name}-pool-<pool id>", in parts.network.subnet_id
        when the pool's network.subnet is "environment".
        """
        from batch_infra.components.pools import stack_pools

        return stack_pools(
            parts.name,
            config=parts.config,
            parent=self,
            resource_group_name=parts.resource_group.name,
            account_name=parts.account.batch_account_name,
            account_id=parts.account.batch_account_id,
            account_endpoint=parts.account.account_endpoint,
            subnet_id=parts.network.subnet_id,
            depends_on=depends_on,
            secret=self.secret_pools,
        )


def _storage_name(config: StackConfig) -> str:
    existing = config.account.auto_storage.storage_account_id
    return existing.rsplit("/", 1)[1] if existing else config.names().storage_account
