"""Application package wiring: one ApplicationPackage per (application, version) of the stack's config."""

from __future__ import annotations

from pathlib import Path

import pulumi

from batch_infra import package_content
from batch_infra.config.applications import ApplicationConfig
from batch_infra.providers.app_package import ApplicationPackage

PackageKey = tuple[str, str]  # (application id, version), as written in the config


def package_name(name: str, application_id: str, version: str) -> str:
    """Child name of a package: public API (URNs), so pinned by tests.

    Case-folded, as Azure compares ids and versions: a case-only edit keeps the URN (a new URN would make
    the engine create a "new" package that adopts the live one and then delete the "old" one, which is
    the same package in Azure).
    """
    return f"{name}-package-{application_id.lower()}-{version.lower()}"


def _former_names(name: str, application_id: str, version: str) -> list[pulumi.Alias]:
    """The name as written, which child names used before they were case-folded."""
    written = f"{name}-package-{application_id}-{version}"
    return [pulumi.Alias(name=written)] if written != package_name(name, application_id, version) else []


def planned_zip_sha256(path: Path) -> str | None:
    """The raw bytes' sha256 of a given .zip (the upload refuses other bytes); None for a folder."""
    source = package_content.check_source(path)
    return package_content.file_sha256(source) if package_content.is_zip_source(source) else None


def subscription_of(resource_id: str) -> str:
    """The subscription of an ARM id (/subscriptions/<id>/...): read from the account, so no invoke."""
    parts = resource_id.split("/")
    if len(parts) < 3 or parts[1].lower() != "subscriptions" or not parts[2]:
        raise ValueError(f"{resource_id!r} is not an Azure resource id starting with /subscriptions/<id>")
    return parts[2]


def application_packages(
    name: str,
    *,
    applications: list[ApplicationConfig],
    application_resources: dict[str, pulumi.Resource],
    batch_account_id: pulumi.Input[str],
    resource_group_name: pulumi.Input[str],
    account_name: pulumi.Input[str],
    project_dir: Path,
    parent: pulumi.Resource,
    storage_roles: list[pulumi.Resource] | None = None,
) -> dict[PackageKey, ApplicationPackage]:
    """Every configured package, each after its application; pools depend on the ones they reference.

    The content hash is computed here, when the program runs, so `pulumi preview` shows exactly the packages
    whose content changed. The path is absolute (the provider runs in another process and directory); the
    provider's diff ignores it, so a checkout in another directory changes nothing.
    `storage_roles`: with managed-identity auto-storage, Batch reaches the package blobs with the account's
    identity, so every package waits for those role assignments (never racing them).
    """
    subscription_id = pulumi.Output.from_input(batch_account_id).apply(subscription_of)
    packages: dict[PackageKey, ApplicationPackage] = {}
    for app in applications:
        default = (app.default_version or "").lower()
        siblings: list[pulumi.Resource] = []
        # The version that becomes the default goes last and waits for its siblings: one of them may be the
        # old default clearing itself, and that clear must never land after the new default is set.
        for version in sorted(app.packages, key=lambda v: v.lower() == default):
            rel = app.packages[version]
            is_default = version.lower() == default
            packages[(app.id, version)] = ApplicationPackage(
                package_name(name, app.id, version),
                {
                    "subscription_id": subscription_id,
                    "resource_group_name": resource_group_name,
                    "account_name": account_name,
                    "application_name": app.id,
                    "version": version,
                    "path": str((project_dir / rel).resolve()),
                    "content_hash": package_content.content_hash(project_dir / rel),
                    "zip_sha256": planned_zip_sha256(project_dir / rel),
                    "allow_updates": app.allow_updates,
                    "set_default": is_default,
                    "sibling_versions": sorted(app.packages),
                },
                pulumi.ResourceOptions(
                    parent=parent,
                    depends_on=[
                        application_resources[app.id],
                        *(storage_roles or []),
                        *(siblings if is_default else []),
                    ],
                    aliases=_former_names(name, app.id, version),
                ),
            )
            siblings.append(packages[(app.id, version)])
    return packages
