"""The ApplicationPackage dynamic resource: a Batch application package version uploaded and activated.

Kept small and stable on purpose: the provider object is pickled into state and compared on every run,
so it holds nothing and imports its logic (app_package_rules, app_package_ops) inside each method.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)


class ApplicationPackageProvider(ResourceProvider):
    """check / diff / create / read / update / delete of one application package version."""

    serialize_as_secret_always = False  # it captures no secrets; nothing but plain inputs reach it

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        from batch_infra.providers.app_package_lifecycle import check

        return check(_olds, news)

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        from batch_infra.providers import app_package_rules as rules

        found = rules.diff(_olds, _news)
        return DiffResult(changes=found.changes, replaces=found.replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        from batch_infra.providers.app_package_lifecycle import create

        return create(props)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        from batch_infra.providers.app_package_lifecycle import read

        return read(id_, props)

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        from batch_infra.providers.app_package_lifecycle import update

        return update(_olds, _news)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        from batch_infra.providers.app_package_lifecycle import delete

        delete(_props)


class ApplicationPackage(Resource, module="app_package", name="ApplicationPackage"):
    """One (application, version) package of a Batch account, Active once created; pools depend on it."""

    state: pulumi.Output[str]
    content_hash: pulumi.Output[str]
    storage_url: pulumi.Output[str]  # SAS URL: always a secret output

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        outputs = {
            "state": None,
            "format": None,
            "storage_url": None,
            "storage_url_expiry": None,
            "last_activation_time": None,
            "claim": None,
        }
        # A version is a name: a replacement deletes the old version first, also for `pulumi up --replace`
        # (no Diff), else create would find the old version and the engine's delete would remove it.
        secret = pulumi.ResourceOptions(additional_secret_outputs=["storage_url"], delete_before_replace=True)
        super().__init__(
            ApplicationPackageProvider(),
            name,
            {**outputs, **props},
            pulumi.ResourceOptions.merge(opts, secret),
        )
