"""The program refuses azure-native sign-in config that the dynamic providers cannot follow (one identity)."""

from __future__ import annotations

import pytest

from batch_infra.errors import BatchInfraError
from tests.fixtures.plans import plan_edited

ARM = ("ARM_USE_OIDC", "ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_OIDC_TOKEN", "ARM_CLIENT_SECRET", "ARM_USE_MSI")


@pytest.fixture
def no_arm(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ARM:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def oidc_config(config: dict) -> None:
    config.update(
        {
            "azure-native:useOidc": "true",
            "azure-native:clientId": "client",
            "azure-native:tenantId": "tenant",
            "azure-native:oidcToken": "jwt",
        }
    )


def test_stack_config_the_providers_cannot_see_is_refused_with_the_variables_to_export(no_arm) -> None:
    with pytest.raises(BatchInfraError) as caught:
        plan_edited("dev", oidc_config)
    assert caught.value.message.startswith(
        "stacks/Pulumi.dev.yaml: azure-native config (azure-native:clientId"
    )
    assert (
        caught.value.fix and "ARM_CLIENT_ID, ARM_OIDC_TOKEN, ARM_TENANT_ID, ARM_USE_OIDC" in caught.value.fix
    )
    assert "jwt" not in str(caught.value)


def test_the_same_identity_exported_for_the_providers_plans(no_arm) -> None:
    for name, value in {
        "ARM_USE_OIDC": "true",
        "ARM_CLIENT_ID": "client",
        "ARM_TENANT_ID": "tenant",
        "ARM_OIDC_TOKEN": "jwt",
    }.items():
        no_arm.setenv(name, value)
    assert plan_edited("dev", oidc_config)
