"""azure-native:* stack config as pulumi-azure-native reads it; secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from batch_infra.config.provider_config import azure_native_settings
from batch_infra.errors import BatchInfraError
from batch_infra.ops import embedded
from batch_infra.providers.azure_clients import Target
from batch_infra.providers.sign_in import providers_gap, resolve

SP = {"ARM_CLIENT_ID": "env-client", "ARM_TENANT_ID": "env-tenant", "ARM_SUBSCRIPTION_ID": "env-sub"}
SECRET = "arm-client-secret-value"
SIGN_IN_VARIABLES = [
    "ARM_CLIENT_ID",
    "ARM_CLIENT_SECRET",
    "ARM_TENANT_ID",
    "ARM_SUBSCRIPTION_ID",
    "ARM_USE_OIDC",
    "ARM_OIDC_TOKEN",
    "ARM_USE_MSI",
    "AZURE_SUBSCRIPTION_ID",
    "BATCH_INFRA_EMULATOR",
]


def test_stack_config_wins_over_the_environment_key_by_key() -> None:
    config = {"azure-native:clientId": "config-client", "azure-native:useOidc": True}
    sign_in = resolve(config, {**SP, "ARM_OIDC_TOKEN": "jwt"})
    assert sign_in.method == "oidc"
    assert sign_in.values["clientId"] == "config-client"
    assert sign_in.sources == {
        "clientId": "azure-native:clientId",
        "useOidc": "azure-native:useOidc",
        "tenantId": "ARM_TENANT_ID",
        "subscriptionId": "ARM_SUBSCRIPTION_ID",
        "oidcToken": "ARM_OIDC_TOKEN",
    }


def test_an_encrypted_config_secret_uses_the_exported_variable_or_says_to_export_it() -> None:
    config = {"azure-native:clientSecret": {"secure": "v1:abc"}}
    sign_in = resolve(config, {**SP, "ARM_CLIENT_SECRET": SECRET})
    assert sign_in.arguments()[1]["client_secret"] == SECRET
    with pytest.raises(BatchInfraError) as caught:
        resolve(config, SP)
    assert "azure-native:clientSecret is a Pulumi secret" in caught.value.message
    assert caught.value.fix and "export ARM_CLIENT_SECRET" in caught.value.fix


def test_secrets_never_appear_in_a_repr_a_description_or_a_target() -> None:
    environ = {**SP, "ARM_CLIENT_SECRET": SECRET, "ARM_OIDC_TOKEN": "oidc-jwt-value"}
    sign_in = resolve({}, environ)
    target = Target("https://management.azure.com", "sub", "azure", sign_in=sign_in)
    for text in (repr(sign_in), sign_in.describe(), repr(target), str(target)):
        assert SECRET not in text and "oidc-jwt-value" not in text
    assert sign_in.describe() == (
        "a service principal with a client secret: clientId from ARM_CLIENT_ID (env-client), clientSecret "
        "from ARM_CLIENT_SECRET, oidcToken from ARM_OIDC_TOKEN, subscriptionId from ARM_SUBSCRIPTION_ID "
        "(env-sub), tenantId from ARM_TENANT_ID (env-tenant)"
    )


def test_target_from_environment_signs_in_as_the_arm_variables_say(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SIGN_IN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in {**SP, "ARM_CLIENT_SECRET": SECRET}.items():
        monkeypatch.setenv(name, value)
    target = Target.from_environment()
    assert target.subscription_id == "env-sub"
    assert type(target.credential()).__name__ == "ClientSecretCredential"
    assert Target.from_environment("input-sub").subscription_id == "input-sub"  # a provider's input wins


def test_cli_azure_target_reads_the_stack_files_azure_native_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in SIGN_IN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    stack = tmp_path / "Pulumi.qa.yaml"
    stack.write_text(
        "config:\n"
        "  azure-native:location: westeurope\n"
        "  azure-native:subscriptionId: stack-sub\n"
        "  azure-native:useMsi: true\n"
        "  azure-native:clientId: mi-client\n"
        "  batch-infra:naming: {prefix: x}\n"
    )
    settings = azure_native_settings(stack)
    assert "batch-infra:naming" not in settings
    target = embedded.azure_target(None, settings)
    assert target.subscription_id == "stack-sub"
    assert target.sign_in is not None
    assert target.sign_in.arguments() == ("ManagedIdentityCredential", {"client_id": "mi-client"})
    assert azure_native_settings(tmp_path / "missing.yaml") == {}


def test_cli_azure_target_without_a_subscription_names_every_place_to_set_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in SIGN_IN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(BatchInfraError) as caught:
        embedded.azure_target(None, {})
    assert caught.value.fix and "ARM_SUBSCRIPTION_ID" in caught.value.fix
    assert "azure-native:subscriptionId" in caught.value.fix


def test_providers_gap_when_stack_config_signs_in_where_the_environment_does_not() -> None:
    config = {"azure-native:useOidc": "true", "azure-native:clientId": "c", "azure-native:tenantId": "t"}
    environ = {"ARM_OIDC_TOKEN": "jwt"}
    gap = providers_gap(config, "stacks/Pulumi.qa.yaml", environ)
    assert gap is not None
    assert gap.message.startswith("stacks/Pulumi.qa.yaml: azure-native config (azure-native:clientId, ")
    assert "OIDC" in gap.message and "DefaultAzureCredential" in gap.message
    assert gap.fix and "ARM_CLIENT_ID, ARM_TENANT_ID, ARM_USE_OIDC" in gap.fix
    exported = {**environ, "ARM_USE_OIDC": "true", "ARM_CLIENT_ID": "c", "ARM_TENANT_ID": "t"}
    assert providers_gap(config, "stacks/Pulumi.qa.yaml", exported) is None
    assert providers_gap({"azure-native:location": "westeurope"}, "s", {}) is None


def test_reports_name_the_subscription_and_who_signed_in_without_secrets() -> None:
    sign_in = resolve({}, {**SP, "ARM_CLIENT_SECRET": SECRET})
    target = Target("https://management.azure.com", "env-sub", "azure", sign_in=sign_in)
    assert embedded.describe(target, owned=False) == (
        "Azure subscription env-sub, signed in with a service principal with a client secret as client "
        "env-client (ARM_CLIENT_ID)"
    )
