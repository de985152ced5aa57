"""Every api-version Azure publishes for a served resource type is accepted (api_versions.json, read from the
specs repository's version folders), and any other is refused as ARM refuses it: NoRegisteredProviderFound."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from batch_infra.emulator import api_versions
from batch_infra.emulator.app import EmulatorApp
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.http import Request
from batch_infra.emulator.state import State

_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview|\.\d+\.\d+)?$")
DATA_PLANE = "Azure.Batch (data plane)"
SUB = "/subscriptions/s"


@pytest.fixture(scope="module")
def app() -> EmulatorApp:
    ctx = EmulatorContext(
        state=State(), arm_endpoint="https://127.0.0.1:1", token="t", subscription_id="s", tenant_id="t"
    )
    return EmulatorApp(ctx)


def send(app: EmulatorApp, method: str, path: str, version: str, body: object = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else b""
    request = Request(method, path, {"api-version": version}, {"authorization": "Bearer t"}, data)
    response = app.handle(request)
    return response.status, response.body or {}


def test_the_table_names_its_source_and_lists_real_versions_once_in_order():
    raw = json.loads(resources.files("batch_infra.emulator").joinpath("api_versions.json").read_text())
    for resource_type in api_versions.resource_types():
        entry = raw[resource_type]
        assert entry["source"].startswith("specification/"), resource_type
        versions = entry["versions"]
        assert all(_VERSION.match(v) for v in versions), (resource_type, versions)
        assert versions == sorted(set(versions)), f"{resource_type}: list each version once, oldest first"
    with pytest.raises(KeyError, match="api_versions.json has no entry for 'Microsoft.Nope/things'"):
        api_versions.versions("Microsoft.Nope/things")


def test_every_route_of_a_table_type_accepts_exactly_its_published_versions(app):
    used = {DATA_PLANE}
    for route in app.router.routes():
        if route.resource_type is not None:
            used.add(route.resource_type)
            assert route.api_versions == frozenset(api_versions.versions(route.resource_type)), route
        elif route.envelope == "batch":
            assert route.api_versions == frozenset(api_versions.versions(DATA_PLANE)), route
    assert used == set(api_versions.resource_types()), "every table entry is served by some route"


def test_an_old_published_version_is_served(app):
    assert send(app, "PUT", f"{SUB}/resourcegroups/rg", "2025-04-01", {"location": "westeurope"})[0] == 201
    identity = f"{SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"
    status, body = send(app, "PUT", identity, "2018-11-30", {"location": "westeurope"})
    assert status == 201 and body["name"] == "id1"
    locks = f"{SUB}/resourceGroups/rg/providers/Microsoft.Authorization/locks"
    assert send(app, "GET", locks, "2015-01-01") == (200, {"value": []})


def test_an_unpublished_version_is_no_registered_provider_found_naming_the_supported_ones(app):
    assert send(app, "PUT", f"{SUB}/resourcegroups/rg2", "2025-04-01", {"location": "northeurope"})[0] == 201
    workspace = f"{SUB}/resourceGroups/rg2/providers/Microsoft.OperationalInsights/workspaces/w"
    status, body = send(app, "GET", workspace, "2023-09-02")
    assert (status, body["error"]["code"]) == (400, "NoRegisteredProviderFound")
    supported = ", ".join(api_versions.versions("Microsoft.OperationalInsights/workspaces"))
    assert body["error"]["message"].startswith(
        "No registered resource provider found for location 'northeurope' and API version '2023-09-02' for "
        f"type 'workspaces'. The supported api-versions are '{supported}'. The supported locations are '"
    )
    pools = f"{SUB}/resourceGroups/rg2/providers/Microsoft.Batch/batchAccounts/a/pools/p"
    status, body = send(app, "PUT", pools, "2024-07-02", {"location": "westus2"})
    assert (
        "for location 'westus2' and API version '2024-07-02' for type 'batchAccounts'"
        in body["error"]["message"]
    )
    # Microsoft.Resources keeps its own refusal (InvalidApiVersionParameter).
    assert send(app, "GET", f"{SUB}/resourcegroups/rg2", "2099-01-01")[1]["error"]["code"] == (
        "InvalidApiVersionParameter"
    )
