"""The Pool dynamic resource: one Azure Batch pool, its image chosen from the account's supported images.

Kept small and stable on purpose: the provider object is pickled into state (by reference to this module,
which the program's virtualenv provides) and compared on every run, so it holds no clients, credentials or
caches and imports its logic (pool_lifecycle, pool_spec, pool_ops) inside each method.

Type token: `pulumi.dynamic.Resource` always prefixes the package `pulumi-python` (that is how the engine
routes calls to the dynamic provider), so this resource's token is `pulumi-python:dynamic/pool:Pool`,
not `batch-infra:pool:Pool`.
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

TYPE_TOKEN = "pulumi-python:dynamic/pool:Pool"


class PoolProvider(ResourceProvider):
    """check / diff / create / read / update / delete of one Batch pool (management API)."""

    serialize_as_secret_always = False  # nothing secret is captured: the provider object has no state

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        sdk_imports.ensure_loaded()
        from batch_infra.providers.pool_lifecycle import check

        return check(_olds, news)

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        sdk_imports.ensure_loaded()
        from batch_infra.providers.pool_lifecycle import diff

        return diff(_olds, _news)

    def create(self, props: dict[str, Any]) -> CreateResult:
        sdk_imports.ensure_loaded()
        from batch_infra.providers.pool_lifecycle import create

        return create(props)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        sdk_imports.ensure_loaded()
        from batch_infra.providers.pool_lifecycle import read

        return read(id_, props)

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        sdk_imports.ensure_loaded()
        from batch_infra.providers.pool_lifecycle import update

        return update(_olds, _news)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        sdk_imports.ensure_loaded()
        from batch_infra.providers.pool_lifecycle import delete

        delete(_props)


class Pool(Resource, module="pool", name="Pool"):
    """One Batch pool; inputs from `pool_spec.pool_inputs(...)`. Passwords and SAS URLs are secret outputs."""

    azure_id: pulumi.Output[str]
    allocation_state: pulumi.Output[str]
    current_dedicated_nodes: pulumi.Output[int]
    current_spot_nodes: pulumi.Output[int]
    auto_scale_formula: pulumi.Output[str | None]
    resolved_image: pulumi.Output[dict[str, Any]]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        from batch_infra.providers.pool_lifecycle import OUTPUT_KEYS
        from batch_infra.providers.pool_spec import secret_output_keys

        outputs = {key: None for key in (*OUTPUT_KEYS, "resolvedImage") if key not in props}
        # Pool ids are names: a replacement must delete the old pool before creating the new one. The
        # provider's Diff says so, but the engine skips Diff for `pulumi up --replace` and honours only
        # this option there (otherwise create would find the old pool and the delete would remove it).
        fixed = pulumi.ResourceOptions(
            additional_secret_outputs=secret_output_keys(props), delete_before_replace=True
        )
        super().__init__(
            PoolProvider(), name, {**outputs, **props}, pulumi.ResourceOptions.merge(opts, fixed)
        )
        # imageEndOfLifeAction: warn -> check records the warning with the resolved image; say it on the pool.
        self.resolvedImage.apply(self._warn_end_of_life)  # type: ignore[attr-defined]

    def _warn_end_of_life(self, image: Any) -> None:
        warning = (image or {}).get("warning") if isinstance(image, dict) else None
        if warning:
            pulumi.log.warn(str(warning), resource=self)
