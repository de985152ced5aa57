"""azure-native's Check and Diff rules, without Azure: defaults, required inputs, types, replacements."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.azure_native.provider import AzureNativeProvider, apply_diff
from tests.engine.resource_provider import ProviderError
from tests.engine.values import UNKNOWN

SA = "azure-native:storage:StorageAccount"
ROLE = "azure-native:authorization:RoleAssignment"
URN = "urn:pulumi:dev::batch-infra::azure-native:storage:StorageAccount::store"


@pytest.fixture
def provider() -> AzureNativeProvider:
    return AzureNativeProvider(client=None, subscription_id="sub")  # type: ignore[arg-type]  # no calls


def storage(**extra: Any) -> dict[str, Any]:
    return {
        "resourceGroupName": "rg",
        "accountName": "store",
        "location": "westeurope",
        "kind": "StorageV2",
        "sku": {"name": "Standard_LRS"},
        **extra,
    }


def test_check_adds_the_api_version_names_missing_inputs_and_types(provider):
    inputs, failures = provider.check(URN, SA, None, storage())
    assert (inputs["azureApiVersion"], failures) == ("2024-01-01", [])
    _, failures = provider.check(URN, SA, None, {"resourceGroupName": "rg", "accountName": "s"})
    assert {f.property for f in failures} == {"kind", "location", "sku"}
    assert "azure-native:location" in next(f.reason for f in failures if f.property == "location")
    _, failures = provider.check(URN, SA, None, storage(enableHttpsTrafficOnly="yes", sku={"name": 1}))
    assert [f.property for f in failures] == ["sku.name", "enableHttpsTrafficOnly"]
    # numbers cross protobuf as doubles: an integral one is an integer (validateProperty)
    nsg = "azure-native:network:NetworkSecurityGroup"
    rules = {
        "resourceGroupName": "rg",
        "networkSecurityGroupName": "n",
        "securityRules": [{"priority": 100.0}],
    }
    assert provider.check(URN, nsg, None, rules)[1] == []
    rules["securityRules"][0]["priority"] = 100.5
    assert [f.property for f in provider.check(URN, nsg, None, rules)[1]] == ["securityRules[0].priority"]
    # unknowns are not checked (a preview)
    assert provider.check(URN, SA, None, storage(enableHttpsTrafficOnly=UNKNOWN))[1] == []


def test_check_autonames_a_missing_name_and_keeps_it_across_checks(provider):
    inputs, _ = provider.check(URN, SA, None, {k: v for k, v in storage().items() if k != "accountName"})
    assert inputs["accountName"].startswith("store") and len(inputs["accountName"]) == len("store") + 8
    again, _ = provider.check(URN, SA, inputs, {k: v for k, v in storage().items() if k != "accountName"})
    assert again["accountName"] == inputs["accountName"]
    role, _ = provider.check(
        "urn::r", ROLE, None, {"scope": "/s", "principalId": "p", "roleDefinitionId": "d"}
    )
    assert len(role["roleAssignmentName"]) == 36  # a GUID, as Azure requires


def test_check_refuses_an_unmapped_input_and_an_unknown_type(provider):
    with pytest.raises(ProviderError, match=r"StorageAccount: input property 'sku\.size'.*known: name"):
        provider.check(URN, SA, None, storage(sku={"name": "Standard_LRS", "size": "L"}))
    with pytest.raises(ProviderError, match="azure-native:cdn:Profile: not served"):
        provider.check(URN, "azure-native:cdn:Profile", None, {})


def test_diff_replaces_on_path_parameters_and_force_new_only(provider):
    olds, _ = provider.check(URN, SA, None, storage())
    outs = {**olds, "isHnsEnabled": False}
    same = provider.diff(URN, SA, "id", outs, olds, dict(olds))
    assert (same.changes, same.replaces) == (False, [])
    tags = provider.diff(URN, SA, "id", outs, olds, {**olds, "tags": {"a": "b"}})
    assert (tags.changes, tags.diffs, tags.replaces, tags.delete_before_replace) == (
        True,
        ["tags"],
        [],
        False,
    )
    hns = provider.diff(URN, SA, "id", outs, olds, {**olds, "isHnsEnabled": True})
    assert (hns.replaces, hns.delete_before_replace) == (["isHnsEnabled"], True)
    # newly declared with the value Azure already holds: a change, not a replacement (ADD_REPLACE case)
    declared = provider.diff(URN, SA, "id", outs, olds, {**olds, "isHnsEnabled": False})
    assert (declared.diffs, declared.replaces) == (["isHnsEnabled"], [])
    recased = provider.diff(URN, SA, "id", outs, olds, {**olds, "location": "West Europe"})
    assert recased.changes is False
    unknown = provider.diff(URN, SA, "id", outs, olds, {**olds, "resourceGroupName": UNKNOWN})
    assert unknown.replaces == ["resourceGroupName"]


def test_diff_takes_the_api_version_from_state_for_inputs_written_before_v3(provider):
    olds, _ = provider.check(URN, SA, None, storage())
    legacy = {k: v for k, v in olds.items() if k != "azureApiVersion"}
    assert provider.diff(URN, SA, "id", {"azureApiVersion": "2024-01-01"}, legacy, olds).changes is False


def test_apply_diff_copies_only_what_changed_between_projections():
    inputs = {"tags": {"a": "1"}, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    old = {
        "tags": {"a": "1"},
        "sku": {"name": "Standard_LRS", "x": 1},
        "kind": "StorageV2",
        "minimumTlsVersion": "TLS1_0",
    }
    new = {
        "tags": {"a": "2"},
        "sku": {"name": "Standard_LRS", "x": 1},
        "minimumTlsVersion": "TLS1_0",
        "accessTier": "Hot",
    }
    assert apply_diff(inputs, old, new) == {
        "tags": {"a": "2"},
        "sku": {"name": "Standard_LRS"},
        "accessTier": "Hot",
    }
