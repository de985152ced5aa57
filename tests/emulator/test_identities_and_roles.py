"""Managed identities and role assignments as Azure answers and refuses them, checked against the spec
extracts in batch_infra/emulator/specs; Batch account and pool identities resolved (or refused) by ARM."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from tests.emulator.batch.helpers import RG, make_account, pool_body
from tests.emulator.spec_schema import assert_matches_spec

pytestmark = pytest.mark.emulator
SPECS = Path(str(resources.files("batch_infra.emulator.specs")))
MI_SPEC = str(SPECS / "managedidentity-2023-01-31.json")
RA_SPEC = str(SPECS / "authorization-roleassignments-2022-04-01.json")
READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
NAME = "0b5f1a3e-54d8-4c1c-9a0b-8f5f2a4e7c11"


def call(emulator: Any, method: str, path: str, version: str, body: Any = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{emulator.info['arm_endpoint']}{path}?api-version={version}",
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Bearer {emulator.info['token']}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, context=emulator._ssl, timeout=30) as response:
            payload = response.read()
            return response.status, json.loads(payload) if payload else None
    except urllib.error.HTTPError as err:
        payload = err.read()
        return err.code, json.loads(payload) if payload else None


def group(emulator: Any, name: str = RG) -> str:
    path = f"/subscriptions/{emulator.info['subscription_id']}/resourceGroups/{name}"
    assert call(emulator, "PUT", path, "2024-03-01", {"location": "westeurope"})[0] in (200, 201)
    return path


def identity_path(emulator: Any, name: str) -> str:
    return f"{group(emulator)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"


def test_identity_create_get_update_delete_match_the_spec(clean_emulator):
    path = identity_path(clean_emulator, "id-nodes")
    status, created = call(
        clean_emulator, "PUT", path, "2023-01-31", {"location": "West Europe", "tags": {"a": "b"}}
    )
    assert status == 201
    assert_matches_spec(created, MI_SPEC, "Identity")
    assert created["properties"]["tenantId"] == clean_emulator.info["tenant_id"]
    assert created["location"] == "westeurope"
    status, again = call(clean_emulator, "PUT", path, "2024-11-30", {"location": "westeurope"})
    assert status == 200 and again["tags"] == {}
    # principalId/clientId are Azure's, fixed at create; isolationScope exists from 2024-11-30 (IdentityGet).
    assert again["properties"] == {**created["properties"], "isolationScope": "None"}
    older = {**again, "properties": created["properties"]}
    assert call(clean_emulator, "GET", path, "2018-11-30") == (200, older)
    status, moved = call(clean_emulator, "PUT", path, "2023-01-31", {"location": "northeurope"})
    assert (status, moved["error"]["code"]) == (400, "InvalidResourceLocation")
    assert call(clean_emulator, "DELETE", path, "2023-01-31")[0] == 200
    assert call(clean_emulator, "DELETE", path, "2023-01-31")[0] == 204
    assert call(clean_emulator, "GET", path, "2023-01-31")[1]["error"]["code"] == "ResourceNotFound"
    bad = identity_path(clean_emulator, "-x")
    assert call(clean_emulator, "PUT", bad, "2023-01-31", {"location": "westeurope"})[0] == 400
    # 2022-01-31-preview is published (ManagedIdentity/preview/2022-01-31-preview); 2022-01-30 is not.
    assert call(clean_emulator, "PUT", path, "2022-01-31-preview", {"location": "westeurope"})[0] == 201
    assert (
        call(clean_emulator, "PUT", path, "2022-01-30", {"location": "westeurope"})[1]["error"]["code"]
        == "NoRegisteredProviderFound"
    )


def assignment(
    emulator: Any, scope: str, principal: str, name: str = NAME, role: str = READER
) -> tuple[int, Any]:
    subscription = emulator.info["subscription_id"]
    definition = f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{role}"
    body = {
        "properties": {
            "roleDefinitionId": definition,
            "principalId": principal,
            "principalType": "ServicePrincipal",
        }
    }
    return call(
        emulator,
        "PUT",
        f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}",
        "2022-04-01",
        body,
    )


def test_role_assignments_validate_principal_role_name_and_duplicates(clean_emulator):
    _, identity = call(
        clean_emulator,
        "PUT",
        identity_path(clean_emulator, "id-nodes"),
        "2023-01-31",
        {"location": "westeurope"},
    )
    principal = identity["properties"]["principalId"]
    scope = group(clean_emulator)
    status, created = assignment(clean_emulator, scope, principal)
    assert status == 201
    assert_matches_spec(created, RA_SPEC, "RoleAssignment")
    assert created["properties"]["scope"] == scope
    path = created["id"]
    assert call(clean_emulator, "GET", path, "2022-04-01") == (200, created)

    refusals = {
        "PrincipalNotFound": assignment(
            clean_emulator, scope, "5c0a0c6e-0000-4000-8000-000000000000", NAME[:-1] + "2"
        ),
        "RoleDefinitionDoesNotExist": assignment(
            clean_emulator, scope, principal, NAME[:-1] + "3", role="00000000-0000-0000-0000-000000000000"
        ),
        "InvalidRoleAssignmentId": assignment(clean_emulator, scope, principal, "not-a-guid"),
        "RoleAssignmentExists": assignment(clean_emulator, scope, principal, NAME[:-1] + "4"),
    }
    assert {code: (status, body["error"]["code"]) for code, (status, body) in refusals.items()} == {
        "PrincipalNotFound": (400, "PrincipalNotFound"),
        "RoleDefinitionDoesNotExist": (400, "RoleDefinitionDoesNotExist"),
        "InvalidRoleAssignmentId": (400, "InvalidRoleAssignmentId"),
        "RoleAssignmentExists": (409, "RoleAssignmentExists"),
    }
    status, body = assignment(clean_emulator, scope, principal, role="acdd72a7-3385-48ef-bd42-f606fba81ae7")
    assert (status, body["error"]["code"]) == (400, "RoleAssignmentUpdateNotPermitted")
    assert call(clean_emulator, "DELETE", path, "2022-04-01") == (200, created)
    assert call(clean_emulator, "DELETE", path, "2022-04-01")[0] == 204
    # Assignments under a resource group go with it, as ARM deletes them with the group.
    assert assignment(clean_emulator, scope, principal)[0] == 201
    assert call(clean_emulator, "DELETE", scope, "2024-03-01")[0] == 202
    group(clean_emulator)
    assert call(clean_emulator, "GET", path, "2022-04-01")[1]["error"]["code"] == "RoleAssignmentNotFound"


def test_batch_account_identities_are_resolved_or_refused(clean_emulator):
    make_account(clean_emulator)
    accounts = f"{group(clean_emulator)}/providers/Microsoft.Batch/batchAccounts"
    identity = identity_path(clean_emulator, "id-batch")
    body = {
        "location": "westeurope",
        "identity": {"type": "UserAssigned", "userAssignedIdentities": {identity: {}}},
    }
    status, refused = call(clean_emulator, "PUT", f"{accounts}/acctmissing", "2024-07-01", body)
    assert (status, refused["error"]["code"]) == (400, "FailedIdentityOperation")
    assert identity in refused["error"]["message"]
    empty = {"location": "westeurope", "identity": {"type": "UserAssigned"}}
    assert (
        call(clean_emulator, "PUT", f"{accounts}/acctempty", "2025-06-01", empty)[1]["error"]["code"]
        == "MissingIdentityIds"
    )

    _, created = call(clean_emulator, "PUT", identity, "2023-01-31", {"location": "westeurope"})
    assert call(clean_emulator, "PUT", f"{accounts}/acctuser", "2024-07-01", body)[0] == 202
    _, account = call(clean_emulator, "GET", f"{accounts}/acctuser", "2024-07-01")
    assert account["identity"]["userAssignedIdentities"] == {
        identity: {
            "principalId": created["properties"]["principalId"],
            "clientId": created["properties"]["clientId"],
        }
    }
    system = {"location": "westeurope", "identity": {"type": "SystemAssigned"}}
    call(clean_emulator, "PUT", f"{accounts}/acctsystem", "2024-07-01", system)
    _, account = call(clean_emulator, "GET", f"{accounts}/acctsystem", "2024-07-01")
    principal = account["identity"]["principalId"]
    assert account["identity"]["tenantId"] == clean_emulator.info["tenant_id"]
    # The system-assigned principal exists for RBAC, and survives a re-PUT of the account.
    assert assignment(clean_emulator, account["id"], principal)[0] == 201
    call(clean_emulator, "PUT", f"{accounts}/acctsystem", "2024-07-01", system)
    assert (
        call(clean_emulator, "GET", f"{accounts}/acctsystem", "2024-07-01")[1]["identity"]["principalId"]
        == principal
    )


def test_a_pool_naming_a_missing_identity_is_refused_and_an_unpublished_version_too(clean_emulator):
    make_account(clean_emulator)
    pools = f"{group(clean_emulator)}/providers/Microsoft.Batch/batchAccounts/batchacct/pools"
    body = {**pool_body(dedicated=0)}
    body["identity"] = {
        "type": "UserAssigned",
        "userAssignedIdentities": {identity_path(clean_emulator, "nope"): {}},
    }
    status, refused = call(clean_emulator, "PUT", f"{pools}/p1", "2025-06-01", body)
    assert (status, refused["error"]["code"]) == (400, "FailedIdentityOperation")
    existing = identity_path(clean_emulator, "id-pool")
    _, made = call(clean_emulator, "PUT", existing, "2023-01-31", {"location": "westeurope"})
    body["identity"] = {"type": "UserAssigned", "userAssignedIdentities": {existing: {}}}
    status, pool = call(clean_emulator, "PUT", f"{pools}/p1", "2025-06-01", body)
    assert status == 200, pool
    assert pool["identity"]["userAssignedIdentities"] == {
        existing: {
            "principalId": made["properties"]["principalId"],
            "clientId": made["properties"]["clientId"],
        }
    }
    assert call(clean_emulator, "DELETE", f"{pools}/p1", "2025-06-01")[0] in (200, 202, 204)
    status, refused = call(clean_emulator, "PUT", f"{pools}/p1", "2024-07-02", pool_body(dedicated=0))
    assert (status, refused["error"]["code"]) == (400, "NoRegisteredProviderFound")


def test_a_custom_role_is_assignable_once_the_tenant_declares_it(clean_emulator):
    custom = "0b5fe924-9a61-425c-96af-cfe6e287ca2d"
    _, identity = call(
        clean_emulator,
        "PUT",
        identity_path(clean_emulator, "id-custom"),
        "2023-01-31",
        {"location": "westeurope"},
    )
    principal, scope = identity["properties"]["principalId"], group(clean_emulator)
    status, body = assignment(clean_emulator, scope, principal, role=custom)
    assert (status, body["error"]["code"]) == (400, "RoleDefinitionDoesNotExist")
    clean_emulator.settings(custom_role_definitions=[custom])
    status, body = assignment(clean_emulator, scope, principal, role=custom)
    assert status == 201 and body["properties"]["roleDefinitionId"].endswith(custom)


def test_isolation_scope_is_kept_from_2024_11_30_and_refused_by_name_before(clean_emulator):
    path = identity_path(clean_emulator, "id-regional")
    body = {"location": "westeurope", "properties": {"isolationScope": "Regional"}}
    status, refused = call(clean_emulator, "PUT", path, "2023-01-31", body)
    assert (status, refused["error"]["target"]) == (400, "properties.isolationScope")
    assert "2024-11-30" in refused["error"]["message"]
    status, made = call(clean_emulator, "PUT", path, "2024-11-30", body)
    assert (status, made["properties"]["isolationScope"]) == (201, "Regional")
    bad = {"location": "westeurope", "properties": {"isolationScope": "Global"}}
    assert (
        call(clean_emulator, "PUT", path, "2024-11-30", bad)[1]["error"]["target"]
        == "properties.isolationScope"
    )
    # A PUT replaces what it can set: without the property the scope is the default again, while the
    # principal and client ids (Azure's) stay.
    again = call(clean_emulator, "PUT", path, "2026-05-31", {"location": "westeurope"})[1]
    assert again["properties"] == {**made["properties"], "isolationScope": "None"}
    call(clean_emulator, "PUT", path, "2024-11-30", body)
    call(clean_emulator, "PUT", path, "2023-01-31", {"location": "westeurope"})  # cannot name the scope
    assert call(clean_emulator, "GET", path, "2024-11-30")[1]["properties"]["isolationScope"] == "Regional"
