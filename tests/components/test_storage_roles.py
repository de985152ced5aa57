"""Managed-identity auto-storage role assignments under mocks: who gets which role, where, by which name."""

from __future__ import annotations

import uuid

import pytest

from batch_infra.components import storage_roles
from batch_infra.ops.mock_azure import MOCK_SUBSCRIPTION
from tests.components.test_components import config, run
from tests.components.test_environment import by_name, config_of, parent_name

ASSIGNMENT = "azure-native:authorization:RoleAssignment"
IDENTITY = "/subscriptions/s/resourceGroups/rg-id/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
CONTRIBUTOR = f"/subscriptions/{MOCK_SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/" + (
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
)
READER = f"/subscriptions/{MOCK_SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/" + (
    "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
)


def managed_identity_account(identity: dict) -> dict:
    return {
        "identity": identity,
        "autoStorage": {
            "authenticationMode": "BatchAccountManagedIdentity",
            "nodeIdentity": f"{IDENTITY}/nodes",
        },
    }


def test_prod_grants_the_account_identity_contributor_and_the_node_identity_reader(planned):
    plan = planned("prod")
    resources = by_name(plan)
    storage_id = resources["batch-account-storage"]
    scope = (
        f"/subscriptions/{MOCK_SUBSCRIPTION}/resourceGroups/{config_of('prod').names().resource_group}"
        f"/providers/Microsoft.Storage/storageAccounts/{storage_id.inputs['accountName']}"
    )
    writer = resources["batch-account-storage-contributor-id-contoso-batch-account"]
    reader = resources["batch-account-storage-node-reader"]
    for assignment, role in ((writer, CONTRIBUTOR), (reader, READER)):
        assert (assignment.type, parent_name(plan, assignment)) == (ASSIGNMENT, "batch-account")
        assert (assignment.inputs["scope"], assignment.inputs["roleDefinitionId"]) == (scope, role)
        assert assignment.inputs["principalType"] == "ServicePrincipal"
    # The account's user-assigned identity: its principal from the account's identity map.
    assert writer.inputs["principalId"] == MOCK_SUBSCRIPTION
    assert writer.inputs["roleAssignmentName"] == storage_roles.role_assignment_name(
        scope, MOCK_SUBSCRIPTION, storage_roles.STORAGE_BLOB_DATA_CONTRIBUTOR
    )


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_storage_key_stacks_create_no_role_assignment(planned, stack):
    assert config_of(stack).account.auto_storage.authentication_mode == "StorageKeys"
    assert [r.name for r in planned(stack).resources if r.type == ASSIGNMENT] == []


def test_a_system_assigned_account_gets_one_contributor_without_a_suffix():
    resources, _ = run(config(account=managed_identity_account({"type": "SystemAssigned"})))
    assignments = sorted(name for name, r in resources.items() if r.type == ASSIGNMENT)
    assert assignments == ["env-account-storage-contributor", "env-account-storage-node-reader"]
    assert (
        resources["env-account-storage-contributor"]
        .inputs["roleDefinitionId"]
        .endswith(storage_roles.STORAGE_BLOB_DATA_CONTRIBUTOR)
    )


def test_each_user_assigned_account_identity_gets_its_own_contributor():
    identity = {
        "type": "UserAssigned",
        "userAssignedIdentities": [f"{IDENTITY}/Batch-A", f"{IDENTITY}/batch-b"],
    }
    resources, _ = run(config(account=managed_identity_account(identity)))
    names = sorted(name for name, r in resources.items() if r.type == ASSIGNMENT)
    assert names == [
        "env-account-storage-contributor-batch-a",
        "env-account-storage-contributor-batch-b",
        "env-account-storage-node-reader",
    ]


def test_assignment_names_are_guids_stable_across_runs_and_id_casing():
    scope = "/subscriptions/s/resourceGroups/RG/providers/Microsoft.Storage/storageAccounts/sa"
    name = storage_roles.role_assignment_name(scope, "P-1", storage_roles.STORAGE_BLOB_DATA_READER)
    assert uuid.UUID(name).version == 5
    assert name == storage_roles.role_assignment_name(
        scope.lower(), "p-1", storage_roles.STORAGE_BLOB_DATA_READER
    )
    others = {
        storage_roles.role_assignment_name(scope, "p-2", storage_roles.STORAGE_BLOB_DATA_READER),
        storage_roles.role_assignment_name(scope, "p-1", storage_roles.STORAGE_BLOB_DATA_CONTRIBUTOR),
        storage_roles.role_assignment_name(scope + "2", "p-1", storage_roles.STORAGE_BLOB_DATA_READER),
    }
    assert name not in others and len(others) == 3
    assert storage_roles.role_definition_id(scope, "r") == (
        "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/r"
    )


def test_packages_wait_for_the_storage_role_assignments(planned):
    """Managed-identity auto-storage: Batch reaches package blobs with the account's identity (issue 11)."""
    resources = planned("prod").resources
    role = "azure-native:authorization:RoleAssignment"
    roles = {r.urn for r in resources if r.type == role and r.name.startswith("batch-account-storage-")}
    packages = [r for r in resources if r.type == "pulumi-python:dynamic/app_package:ApplicationPackage"]
    assert len(roles) == 2 and packages
    assert all(roles <= set(p.dependencies) for p in packages)
