"""A new environment made by `batch-infra stack new` deploys beside its source through the test engine."""

from __future__ import annotations

import pytest

from batch_infra.cli.main import main
from tests.deployments.conftest import engine_stack

pytestmark = [pytest.mark.slow, pytest.mark.emulator, pytest.mark.timeout(900)]  # two stacks deployed

NETWORK_API = "2024-05-01"


def test_qa_from_dev_deploys_beside_dev_and_changes_nothing_of_it(project, arm, clean_emulator, monkeypatch):
    for name in ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID"):
        monkeypatch.delenv(name, raising=False)
    assert main(["stack", "new", "qa", "--from", "dev", "--project-dir", str(project)]) == 0
    dev, qa = engine_stack(project, "dev", clean_emulator), engine_stack(project, "qa", clean_emulator)

    up_dev = dev.up()
    assert up_dev.ok, up_dev.render()
    up_qa = qa.up()
    assert up_qa.ok, up_qa.render()
    assert {step.op for step in up_qa.steps} <= {"create", "same"}  # its own resources, nothing shared
    again = dev.preview(expect_no_changes=True)
    assert again.ok, again.render()  # qa's deployment touched nothing of dev's

    assert {"rg-contoso-dev-batch", "rg-contoso-qa-batch"} <= set(arm.resource_groups())
    subscription = clean_emulator.info["subscription_id"]
    vnet = f"/subscriptions/{subscription}/resourceGroups/rg-contoso-qa-batch/providers/Microsoft.Network/"
    status, body = arm.call("GET", vnet + "virtualNetworks/vnet-contoso-qa-batch", NETWORK_API)
    assert status == 200 and body["properties"]["addressSpace"]["addressPrefixes"] == ["10.11.0.0/16"], body
    # No destroy: the next test's clean_emulator resets the emulator (the lifecycle is test_stacks.py's).
    print(f"\nqa beside dev: up dev {up_dev.seconds:.1f}s, up qa {up_qa.seconds:.1f}s; {up_qa.summary()}")
