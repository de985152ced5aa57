"""The QuotaCheck dynamic resource: the stack's demand checked against the account's and region's quotas.

Kept small and stable on purpose: the provider object is pickled into state and compared on every run,
so it holds nothing and imports its logic (quota_lifecycle) inside each method. How the engine's calls
make it re-check on every run is explained in quota_lifecycle's docstring.

Type token: dynamic resources always belong to the engine's `pulumi-python` package, so the token is
`pulumi-python:dynamic/quota:QuotaCheck` (module "quota", type "QuotaCheck").
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

from batch_infra.providers import sdk_imports

TYPE = "pulumi-python:dynamic/quota:QuotaCheck"


class QuotaCheckProvider(ResourceProvider):
    """check (reads and grades the quotas) / diff / create / read / update / delete of one QuotaCheck."""

    serialize_as_secret_always = False  # it captures nothing; only plain inputs reach it

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        sdk_imports.ensure_loaded()
        from batch_infra.providers.quota_lifecycle import check

        return check(news)

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        sdk_imports.ensure_loaded()
        from batch_infra.providers.quota_lifecycle import diff

        return diff(_olds, _news)

    def create(self, props: dict[str, Any]) -> CreateResult:
        sdk_imports.ensure_loaded()
        from batch_infra.providers.quota_lifecycle import create

        return create(props)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        sdk_imports.ensure_loaded()
        from batch_infra.providers.quota_lifecycle import read

        return read(id_, props)

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        sdk_imports.ensure_loaded()
        from batch_infra.providers.quota_lifecycle import update

        return update(_news)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing in Azure to delete: the check is a record of a verdict."""
        sdk_imports.ensure_loaded()


class QuotaCheck(Resource, module="quota", name="QuotaCheck"):
    """Fails `pulumi up` before any pool changes when the stack would exceed a Batch or regional quota."""

    report: pulumi.Output[dict[str, Any]]
    """The graded table: account, threshold, ok, rows (kind, subject, demand, quota, headroom, status)."""
    warnings: pulumi.Output[list[str]]
    """One line per quota used at or above the policy's warning threshold."""

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(QuotaCheckProvider(), name, {"report": None, "warnings": None, **props}, opts)
        # The program, not the provider process, can speak to the engine's log: warn once per run.
        self.warnings.apply(lambda lines: [pulumi.log.warn(line, resource=self) for line in lines or []])


def quota_check_inputs(config: Any, account_id: pulumi.Input[str]) -> dict[str, Any]:
    """QuotaCheck's inputs from a validated StackConfig: pools at their maximums, applications, threshold."""
    from batch_infra.quotas import stack_needs

    pools = [
        {
            "pool_id": n.pool_id,
            "vm_size": n.vm_size,
            "max_dedicated_nodes": n.dedicated,
            "max_spot_nodes": n.spot,
        }
        for n in stack_needs(config.pools)
    ]
    return {
        "account_id": account_id,
        "location": config.location,
        "pools": pools,
        "applications": [a.id for a in config.applications],
        "threshold": config.policies.quota_warning_threshold,
    }
