"""Management locks refuse what Azure's locks refuse (409 ScopeLocked); diagnostic settings and workspaces."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from tests.emulator.batch.helpers import LOCATION, RG, make_account, raw

pytestmark = pytest.mark.emulator
LOCK_API, DIAG_API, LAW_API = "2020-05-01", "2021-05-01-preview", "2023-09-01"


@pytest.fixture
def arm(clean_emulator):
    client = clean_emulator.batch_mgmt_client()  # any generated client: send_request carries the token

    def call(method, path, body=None, api=LOCK_API):
        return raw(client, method, path, body, api_version=api)

    return call


def lock(arm, scope, level="CanNotDelete", name="keep"):
    response = arm(
        "PUT", f"{scope}/providers/Microsoft.Authorization/locks/{name}", {"properties": {"level": level}}
    )
    assert response.status_code == 201, response.text()
    return response.json()


def scope_locked(call) -> str:
    with pytest.raises(HttpResponseError) as raised:
        call()
    assert raised.value.status_code == 409 and raised.value.error.code == "ScopeLocked"
    return raised.value.error.message


def test_a_delete_lock_blocks_the_resource_and_its_group_until_it_is_lifted(clean_emulator, arm):
    account = make_account(clean_emulator, "lockedacct")
    created = lock(arm, account.id)
    assert (
        created["type"] == "Microsoft.Authorization/locks"
        and created["properties"]["level"] == "CanNotDelete"
    )
    mgmt, resources = clean_emulator.batch_mgmt_client(), clean_emulator.resource_client()
    message = scope_locked(lambda: mgmt.batch_account.begin_delete(RG, "lockedacct").result())
    assert "cannot perform delete operation" in message and account.id in message
    scope_locked(
        lambda: resources.resource_groups.begin_delete(RG).result()
    )  # the group holds a locked child
    mgmt.batch_account.update(RG, "lockedacct", {"tags": {"still": "writable"}})  # CanNotDelete allows writes
    lifted = arm("DELETE", f"{account.id}/providers/Microsoft.Authorization/locks/keep")
    assert lifted.status_code == 200
    mgmt.batch_account.begin_delete(RG, "lockedacct").result()


def test_a_read_only_lock_blocks_writes_and_list_keys(clean_emulator, arm):
    resources = clean_emulator.resource_client()
    resources.resource_groups.create_or_update(RG, {"location": LOCATION})
    storage = clean_emulator.storage_client()
    account = storage.storage_accounts.begin_create(
        RG, "lockedsa", {"location": LOCATION, "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}
    ).result()
    lock(arm, account.id, "ReadOnly")
    assert "write operation" in scope_locked(lambda: storage.storage_accounts.list_keys(RG, "lockedsa"))
    scope_locked(lambda: storage.storage_accounts.update(RG, "lockedsa", {"tags": {"a": "b"}}))
    assert storage.storage_accounts.get_properties(RG, "lockedsa").name == "lockedsa"  # reads still work


def test_lock_levels_are_checked(clean_emulator, arm):
    clean_emulator.resource_client().resource_groups.create_or_update(RG, {"location": LOCATION})
    group = f"/subscriptions/{clean_emulator.info['subscription_id']}/resourceGroups/{RG}"
    bad = arm(
        "PUT", f"{group}/providers/Microsoft.Authorization/locks/x", {"properties": {"level": "NoDelete"}}
    )
    assert bad.status_code == 400 and "CanNotDelete or ReadOnly" in bad.text()


def test_diagnostic_settings_need_a_destination_and_known_categories(clean_emulator, arm):
    account = make_account(clean_emulator, "diagacct")
    group = account.id.split("/providers/")[0]
    workspace = arm(
        "PUT",
        f"{group}/providers/Microsoft.OperationalInsights/workspaces/log-batch",
        {"location": LOCATION, "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": 90}},
        api=LAW_API,
    )
    assert workspace.status_code == 201
    got = arm(
        "GET", f"{group}/providers/Microsoft.OperationalInsights/workspaces/log-batch", api=LAW_API
    ).json()
    assert (
        got["properties"]["provisioningState"] == "Succeeded" and got["properties"]["retentionInDays"] == 90
    )
    setting = f"{account.id}/providers/Microsoft.Insights/diagnosticSettings/batch-infra"
    nowhere = arm(
        "PUT",
        setting,
        {"properties": {"logs": [{"categoryGroup": "allLogs", "enabled": True}]}},
        api=DIAG_API,
    )
    assert nowhere.status_code == 400 and "destination" in nowhere.text()
    unknown = arm(
        "PUT",
        setting,
        {"properties": {"workspaceId": got["id"], "logs": [{"category": "JobLogs", "enabled": True}]}},
        api=DIAG_API,
    )
    assert unknown.status_code == 400 and "AuditLog" in unknown.text()
    body = {
        "properties": {
            "workspaceId": got["id"],
            "logs": [{"categoryGroup": "allLogs", "enabled": True}],
            "metrics": [{"category": "AllMetrics", "enabled": True}],
        }
    }
    saved = arm("PUT", setting, body, api=DIAG_API)
    assert saved.status_code == 200, saved.text()
    assert arm("GET", setting, api=DIAG_API).json()["properties"]["workspaceId"] == got["id"]


def test_a_diagnostic_setting_answers_like_microsofts_example(clean_emulator, arm):
    import json
    from pathlib import Path

    from tests.emulator.test_private_link_examples import keys

    example = json.loads(
        (Path(__file__).parent / "examples" / "createOrUpdateDiagnosticSettingCategory.json").read_text()
    )
    storage = clean_emulator.storage_client()
    clean_emulator.resource_client().resource_groups.create_or_update(RG, {"location": LOCATION})
    account = storage.storage_accounts.begin_create(
        RG, "diagsa", {"location": LOCATION, "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}
    ).result()
    body = json.loads(json.dumps(example["parameters"]))
    body["properties"]["storageAccountId"] = account.id
    saved = arm(
        "PUT", f"{account.id}/providers/Microsoft.Insights/diagnosticSettings/mysetting", body, api=DIAG_API
    )
    assert saved.status_code == 200, saved.text()
    assert keys(saved.json()) == keys(example["response"])


def test_a_resource_of_a_type_the_emulator_does_not_serve_can_be_seeded_for_its_scope(clean_emulator, arm):
    group = f"/subscriptions/{clean_emulator.info['subscription_id']}/resourceGroups/{RG}"
    assert arm("PUT", group, {"location": LOCATION}, api="2024-03-01").status_code in (200, 201)
    workflow = f"{group}/providers/Microsoft.Logic/workflows/flow1"
    setting = f"{workflow}/providers/Microsoft.Insights/diagnosticSettings/to-storage"
    body = {
        "properties": {"eventHubAuthorizationRuleId": f"{group}/providers/Microsoft.EventHub/namespaces/n/r"}
    }
    assert arm("PUT", setting, body, api=DIAG_API).status_code == 404  # no such workflow yet
    seeded = clean_emulator.admin("PUT", "/resources", {"id": workflow})
    assert seeded["type"] == "Microsoft.Logic/workflows" and seeded["name"] == "flow1"
    assert arm("PUT", setting, body, api=DIAG_API).status_code == 200
    with pytest.raises(AssertionError, match="top-level resource id"):
        clean_emulator.admin("PUT", "/resources", {"id": "/subscriptions/other/resourceGroups/x"})
