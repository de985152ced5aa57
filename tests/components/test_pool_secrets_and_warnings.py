"""The Pool under Pulumi's mocks: end-of-life warnings reach the log; SAS start tasks are secret inputs."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from batch_infra.config.pools import PoolConfig
from batch_infra.providers.pool import Pool
from batch_infra.providers.pool_spec import carries_sas, pool_inputs

WARNING = "image canonical/ubuntu-22_04-lts/server ends Batch support on 2027-04-30 (in 60 days); use ..."


class Mocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.inputs: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.inputs[args.name] = args.inputs
        outputs = dict(args.inputs)
        if "with-warning" in args.name:  # what check records for imageEndOfLifeAction: warn
            outputs["resolvedImage"] = {"sku": "server", "warning": WARNING}
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


@pytest.fixture
def mocks():
    mocks = Mocks()
    pulumi.runtime.set_mocks(mocks, preview=False)
    yield mocks


def inputs(**config: Any) -> dict[str, Any]:
    pool = PoolConfig.model_validate(
        {"id": "render", "vmSize": "Standard_D2s_v5", "image": {"os": "ubuntu 22.04"},
         "scale": {"targetDedicatedNodes": 1}, "network": {"subnet": "none"}, **config}
    )
    return pool_inputs(pool, subscription_id="sub", resource_group_name="rg", account_name="acct",
                       account_endpoint="acct.westeurope.batch.azure.com", location="westeurope")


@pulumi.runtime.test
def test_end_of_life_warning_is_logged_on_the_pool(mocks, monkeypatch):
    logged: list[tuple[str, Any]] = []
    monkeypatch.setattr(pulumi.log, "warn",
                        lambda message, resource=None, **_: logged.append((message, resource)))
    quiet = Pool("quiet", inputs())
    warned = Pool("with-warning", inputs())

    def check(_: Any) -> None:
        assert logged == [(WARNING, warned)]
        assert all(resource is not quiet for _, resource in logged)

    return pulumi.Output.all(quiet.urn, warned.resolvedImage).apply(check)


def test_sas_detection_covers_resource_files_and_environment_values():
    sas = "https://st.blob.core.windows.net/c?sv=2024&sig=abc"
    assert carries_sas({"resourceFiles": [{"storageContainerUrl": sas}]})
    assert carries_sas({"resourceFiles": [{"httpUrl": sas, "filePath": "a"}]})
    assert carries_sas({"environment": {"DATA": sas}})
    assert not carries_sas({"resourceFiles": [{"autoStorageContainerName": "c"}], "environment": {"A": "1"}})
    assert not carries_sas(None)
