"""AzureNativeProvider against the session emulator: resource group, storage and Batch account end to end."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.azure_native import AzureNativeProvider
from tests.engine.resource_provider import ProviderError
from tests.engine.values import UNKNOWN

RG = "azure-native:resources:ResourceGroup"
SA = "azure-native:storage:StorageAccount"
BA = "azure-native:batch:BatchAccount"
LOCATION = "westeurope"


def urn(type_token: str, name: str) -> str:
    return f"urn:pulumi:dev::batch-infra::{type_token}::{name}"


@pytest.fixture
def provider(clean_emulator: Any) -> AzureNativeProvider:
    return AzureNativeProvider.from_ready_file(clean_emulator.ready_file)


def up(provider: AzureNativeProvider, type_token: str, name: str, news: dict[str, Any]):
    """check + create as the engine runs them; returns (id, checked inputs, outputs)."""
    inputs, failures = provider.check(urn(type_token, name), type_token, None, news)
    assert failures == []
    resource_id, outputs = provider.create(urn(type_token, name), type_token, inputs, preview=False)
    return resource_id, inputs, outputs


def storage_inputs() -> dict[str, Any]:
    return {
        "accountName": "contosostore",
        "resourceGroupName": "rg-core",
        "location": LOCATION,
        "kind": "StorageV2",
        "sku": {"name": "Standard_LRS"},
        "enableHttpsTrafficOnly": True,
        "minimumTlsVersion": "TLS1_2",
        "allowBlobPublicAccess": False,
        "tags": {"env": "dev"},
    }


def test_group_storage_account_end_to_end(provider: AzureNativeProvider) -> None:
    rg_id, _, rg_out = up(provider, RG, "rg", {"resourceGroupName": "rg-core", "location": LOCATION})
    assert rg_id.endswith("/resourceGroups/rg-core")
    assert rg_out["properties"] == {"provisioningState": "Succeeded"}
    assert rg_out["azureApiVersion"] == "2024-03-01"

    sa_id, sa_in, sa_out = up(provider, SA, "sa", storage_inputs())
    assert sa_out["enableHttpsTrafficOnly"] is True  # supportsHttpsTrafficOnly on the wire
    assert "supportsHttpsTrafficOnly" not in sa_out
    assert sa_out["primaryEndpoints"]["blob"].startswith("https://contosostore.blob.")

    ba_inputs = {
        "accountName": "contosobatch",
        "resourceGroupName": "rg-core",
        "location": LOCATION,
        "poolAllocationMode": "BatchService",
        "allowedAuthenticationModes": ["AAD", "TaskAuthenticationToken"],
        "autoStorage": {"storageAccountId": sa_id, "authenticationMode": "StorageKeys"},
        "identity": {"type": "SystemAssigned"},
    }
    ba_id, ba_in, ba_out = up(provider, BA, "batch", ba_inputs)
    assert ba_out["accountEndpoint"].endswith("/contosobatch")  # the emulator serves host:port/batch/...
    assert ba_out["autoStorage"]["storageAccountId"].lower() == sa_id.lower()
    assert ba_out["provisioningState"] == "Succeeded"
    assert ba_out["identity"]["principalId"]

    # refresh then preview shows no change
    read = provider.read(urn(BA, "batch"), BA, ba_id, ba_in, ba_out)
    assert read is not None
    assert provider.diff(urn(BA, "batch"), BA, ba_id, read.outputs, read.inputs, ba_in).changes is False

    # update in place: tags
    news = {**ba_in, "tags": {"team": "hpc"}}
    result = provider.diff(urn(BA, "batch"), BA, ba_id, ba_out, ba_in, news)
    assert (result.changes, result.replaces, result.diffs) == (True, [], ["tags"])
    updated = provider.update(urn(BA, "batch"), BA, ba_id, ba_out, ba_in, news, preview=False)
    assert updated["tags"] == {"team": "hpc"}

    # a path parameter replaces, delete before replace
    renamed = {**ba_in, "accountName": "otherbatch"}
    result = provider.diff(urn(BA, "batch"), BA, ba_id, ba_out, ba_in, renamed)
    assert result.replaces == ["accountName"] and result.delete_before_replace

    provider.delete(urn(BA, "batch"), BA, ba_id, updated)
    assert provider.read(urn(BA, "batch"), BA, ba_id, ba_in, updated) is None
    provider.delete(urn(BA, "batch"), BA, ba_id, updated)  # already gone: success
    provider.delete(urn(SA, "sa"), SA, sa_id, sa_out)
    provider.delete(urn(RG, "rg"), RG, rg_id, rg_out)
    assert provider.read(urn(RG, "rg"), RG, rg_id, None, None) is None


def test_preview_of_a_create_takes_inputs_and_leaves_the_rest_unknown(provider: AzureNativeProvider) -> None:
    inputs, _ = provider.check(urn(SA, "sa"), SA, None, {**storage_inputs(), "resourceGroupName": UNKNOWN})
    resource_id, outputs = provider.create(urn(SA, "sa"), SA, inputs, preview=True)
    assert resource_id is None
    assert outputs["enableHttpsTrafficOnly"] is True
    assert outputs["sku"] == {"name": "Standard_LRS", "tier": UNKNOWN}
    assert outputs["primaryEndpoints"] is UNKNOWN and outputs["id"] is UNKNOWN
    assert outputs["azureApiVersion"] == "2024-01-01"


def test_create_refuses_an_existing_resource_and_an_unmapped_input(provider: AzureNativeProvider) -> None:
    up(provider, RG, "rg", {"resourceGroupName": "rg-core", "location": LOCATION})
    inputs, _ = provider.check(
        urn(RG, "rg2"), RG, None, {"resourceGroupName": "rg-core", "location": LOCATION}
    )
    with pytest.raises(ProviderError, match="cannot create already existing resource"):
        provider.create(urn(RG, "rg2"), RG, inputs, preview=False)
    with pytest.raises(ProviderError, match=r"StorageAccount: input property 'supportsHttpsTrafficOnly'"):
        provider.check(urn(SA, "sa"), SA, None, {**storage_inputs(), "supportsHttpsTrafficOnly": True})
