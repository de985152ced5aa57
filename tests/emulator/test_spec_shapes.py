"""Every route's answer, success and a representative error, validated against its spec definition."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest

from tests.emulator.batch.helpers import LOCATION, RG, make_account, pool_body
from tests.emulator.spec_schema import (
    BATCH_DATA_SPEC,
    BATCH_MGMT_SPEC,
    NETWORK_SPEC,
    RESOURCES_SPEC,
    STORAGE_SPEC,
    assert_matches_spec,
)

pytestmark = pytest.mark.emulator

ACCOUNT = f"/resourceGroups/{RG}/providers/Microsoft.Batch/batchAccounts/batchacct"
APP = ACCOUNT + "/applications/tool"
POOL = ACCOUNT + "/pools/p1"
BATCH_LOC = f"/providers/Microsoft.Batch/locations/{LOCATION}"
STORAGE = f"/resourceGroups/{RG}/providers/Microsoft.Storage/storageAccounts/autostore1"
NET = f"/resourceGroups/{RG}/providers/Microsoft.Network"
B, S, N, R, D = "2025-06-01", "2026-09-01", "2026-03-01", "2025-04-01", "2025-06-01"
BAD_POOL = {"properties": {"vmSize": "Standard_Nope"}}

# (label, plane, method, path under the subscription (mgmt) or account endpoint (data), api-version, body,
#  expected status, spec, definition)
CASES: list[tuple[str, str, str, str, str, Any, int, str, str]] = [
    ("rg get", "mgmt", "GET", f"/resourcegroups/{RG}", R, None, 200, RESOURCES_SPEC, "ResourceGroup"),
    ("rg list", "mgmt", "GET", "/resourcegroups", R, None, 200, RESOURCES_SPEC, "ResourceGroupListResult"),
    ("rg missing", "mgmt", "GET", "/resourcegroups/nope", R, None, 404, RESOURCES_SPEC, "CloudError"),
    ("storage get", "mgmt", "GET", STORAGE, S, None, 200, STORAGE_SPEC, "StorageAccount"),
    ("storage keys", "mgmt", "POST", STORAGE + "/listKeys", S, None, 200, STORAGE_SPEC,
     "StorageAccountListKeysResult"),
    ("storage bad name", "mgmt", "PUT", STORAGE.replace("autostore1", "Bad_Name"), S,
     {"location": LOCATION, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}, 400, STORAGE_SPEC,
     "ErrorResponse"),
    ("vnet get", "mgmt", "GET", NET + "/virtualNetworks/vnet", N, None, 200, NETWORK_SPEC, "VirtualNetwork"),
    ("subnet get", "mgmt", "GET", NET + "/virtualNetworks/vnet/subnets/nodes", N, None, 200, NETWORK_SPEC,
     "Subnet"),
    ("nsg missing", "mgmt", "GET", NET + "/networkSecurityGroups/nope", N, None, 404, NETWORK_SPEC,
     "CloudError"),
    ("account get", "mgmt", "GET", ACCOUNT, B, None, 200, BATCH_MGMT_SPEC, "BatchAccount"),
    ("account patch", "mgmt", "PATCH", ACCOUNT, B, {"tags": {"env": "test"}}, 200, BATCH_MGMT_SPEC,
     "BatchAccount"),
    ("account patch refused", "mgmt", "PATCH", ACCOUNT, B, {"properties": {"poolAllocationMode": "x"}}, 400,
     BATCH_MGMT_SPEC, "CloudError"),
    ("account list", "mgmt", "GET", "/providers/Microsoft.Batch/batchAccounts", B, None, 200, BATCH_MGMT_SPEC,
     "BatchAccountListResult"),
    ("account keys", "mgmt", "POST", ACCOUNT + "/listKeys", B, None, 200, BATCH_MGMT_SPEC,
     "BatchAccountKeys"),
    ("regenerate key", "mgmt", "POST", ACCOUNT + "/regenerateKeys", B, {"keyName": "Secondary"}, 200,
     BATCH_MGMT_SPEC, "BatchAccountKeys"),
    ("regenerate bad", "mgmt", "POST", ACCOUNT + "/regenerateKeys", B, {"keyName": "Third"}, 400,
     BATCH_MGMT_SPEC, "CloudError"),
    ("application get", "mgmt", "GET", APP, B, None, 200, BATCH_MGMT_SPEC, "Application"),
    ("application list", "mgmt", "GET", ACCOUNT + "/applications", B, None, 200, BATCH_MGMT_SPEC,
     "ListApplicationsResult"),
    ("application missing", "mgmt", "GET", ACCOUNT + "/applications/nope", B, None, 404, BATCH_MGMT_SPEC,
     "CloudError"),
    ("package get", "mgmt", "GET", APP + "/versions/1.0", B, None, 200, BATCH_MGMT_SPEC,
     "ApplicationPackage"),
    ("package list", "mgmt", "GET", APP + "/versions", B, None, 200, BATCH_MGMT_SPEC,
     "ListApplicationPackagesResult"),
    ("activate unuploaded", "mgmt", "POST", APP + "/versions/1.0/activate", B, {"format": "zip"}, 409,
     BATCH_MGMT_SPEC, "CloudError"),
    ("pool get", "mgmt", "GET", POOL, B, None, 200, BATCH_MGMT_SPEC, "Pool"),
    ("pool list", "mgmt", "GET", ACCOUNT + "/pools", B, None, 200, BATCH_MGMT_SPEC, "ListPoolsResult"),
    ("pool patch", "mgmt", "PATCH", POOL, B, {"properties": {"metadata": [{"name": "a", "value": "b"}]}}, 200,
     BATCH_MGMT_SPEC, "Pool"),
    ("pool put refused", "mgmt", "PUT", ACCOUNT + "/pools/bad", B, BAD_POOL, 400, BATCH_MGMT_SPEC,
     "CloudError"),
    ("stop resize", "mgmt", "POST", POOL + "/stopResize", B, None, 200, BATCH_MGMT_SPEC, "Pool"),
    ("disable autoscale", "mgmt", "POST", POOL + "/disableAutoScale", B, None, 200, BATCH_MGMT_SPEC, "Pool"),
    ("location quota", "mgmt", "GET", BATCH_LOC + "/quotas", B, None, 200, BATCH_MGMT_SPEC,
     "BatchLocationQuota"),
    ("name availability", "mgmt", "POST", BATCH_LOC + "/checkNameAvailability", B,
     {"name": "batchacct", "type": "Microsoft.Batch/batchAccounts"}, 200, BATCH_MGMT_SPEC,
     "CheckNameAvailabilityResult"),
    ("name availability bad", "mgmt", "POST", BATCH_LOC + "/checkNameAvailability", B, {"name": 1}, 400,
     BATCH_MGMT_SPEC, "CloudError"),
    ("data pool get", "data", "GET", "/pools/p1", D, None, 200, BATCH_DATA_SPEC, "BatchPool"),
    ("data pool list", "data", "GET", "/pools", D, None, 200, BATCH_DATA_SPEC, "BatchPoolListResult"),
    ("data images", "data", "GET", "/supportedimages", D, None, 200, BATCH_DATA_SPEC,
     "BatchAccountListSupportedImagesResult"),
    ("data node counts", "data", "GET", "/nodecounts", D, None, 200, BATCH_DATA_SPEC,
     "BatchPoolNodeCountsListResult"),
    ("data pool missing", "data", "GET", "/pools/nope", D, None, 404, BATCH_DATA_SPEC, "BatchError"),
    ("data bad filter", "data", "GET", "/supportedimages?$filter=bogus", D, None, 400, BATCH_DATA_SPEC,
     "BatchError"),
]


@pytest.fixture(scope="module")
def world(emulator):
    """One populated emulator for every case (cases only read, or change nothing another case checks)."""
    emulator.reset()
    account = make_account(emulator, storage="autostore1")
    batch = emulator.batch_mgmt_client()
    batch.application.create(RG, "batchacct", "tool")
    batch.application_package.create(RG, "batchacct", "tool", "1.0")
    batch.pool.create(RG, "batchacct", "p1", pool_body(dedicated=0))
    network = emulator.network_client()
    network.virtual_networks.begin_create_or_update(
        RG,
        "vnet",
        {"location": LOCATION, "address_space": {"address_prefixes": ["10.0.0.0/16"]},
         "subnets": [{"name": "nodes", "address_prefix": "10.0.0.0/24"}]},
    ).result()
    return {"mgmt": batch, "data": emulator.batch_data_client(account.account_endpoint)}


def _send(client: Any, method: str, path: str, api_version: str, body: Any) -> Any:
    request = HttpRequest(method, path, params={"api-version": api_version}, json=body)
    try:
        return client.send_request(request)
    except HttpResponseError as err:  # azure-batch's send_request raises on an error status
        return err.response


@pytest.mark.parametrize(
    ("plane", "method", "path", "api_version", "body", "status", "spec", "definition"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_every_route_answers_in_its_spec_shape(world, emulator, plane, method, path, api_version, body,
                                               status, spec, definition):
    if plane == "mgmt":
        path = f"/subscriptions/{emulator.info['subscription_id']}{path}"
    response = _send(world[plane], method, path, api_version, body)
    assert response.status_code == status, response.text()
    assert_matches_spec(response.json(), spec, definition)
