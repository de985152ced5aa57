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

# Dated ARM versions (2024-07-01, -preview), Batch data plane (2024-07-01.20.0), Key Vault's numbered ones
# (7.4, 7.5-preview.1).
_VERSION = re.compile(r"^(\d{4}-\d{2}-\d{2}(-preview|\.\d+\.\d+)?|\d+\.\d+(-preview(\.\d+)?)?)$")
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


# One GET per served type: (api_versions.json key, path); none of the named resources exists.
RG = f"{SUB}/resourceGroups/rgv"
NET = f"{RG}/providers/Microsoft.Network"
ZONE_GROUP = f"{NET}/privateEndpoints/e/privateDnsZoneGroups/z"
ROUTES = [
    ("Microsoft.Resources/resourceGroups", RG),
    ("Microsoft.Storage/storageAccounts", f"{RG}/providers/Microsoft.Storage/storageAccounts"),
    ("Microsoft.Network/virtualNetworks", f"{NET}/virtualNetworks/none"),
    ("Microsoft.Network/networkSecurityGroups", f"{NET}/networkSecurityGroups/none"),
    ("Microsoft.Network/privateEndpoints", f"{NET}/privateEndpoints/none"),
    ("Microsoft.Network/privateEndpoints/privateDnsZoneGroups", ZONE_GROUP),
    ("Microsoft.Network/privateDnsZones", f"{NET}/privateDnsZones/none.example"),
    ("Key Vault (data plane)", "/secrets/none"),
]


@pytest.fixture(scope="module")
def served(app) -> EmulatorApp:
    assert send(app, "PUT", RG, "2025-04-01", {"location": "westeurope"})[0] == 201
    return app


@pytest.mark.parametrize("resource_type, path", ROUTES, ids=[r[0] for r in ROUTES])
def test_newest_and_oldest_published_versions_reach_the_handler(served, resource_type, path):
    published = api_versions.versions(resource_type)
    for version in (published[0], published[-1]):
        status, answer = send(served, "GET", path, version)
        # Past the version check the handler answers: 200, or its own 404 for the missing resource.
        code = (answer.get("error") or {}).get("code", "")
        assert status in (200, 404) and "ApiVersion" not in code and code != "NoRegisteredProviderFound", (
            version,
            status,
            answer,
        )


def test_an_unpublished_version_is_refused_in_each_services_words(served):
    # ARM, for a provider's type (Azure/azure-cli#28496).
    status, body = send(served, "GET", f"{NET}/virtualNetworks/none", "2023-08-01")
    assert (status, body["error"]["code"]) == (400, "NoRegisteredProviderFound")
    assert "for type 'virtualNetworks'" in body["error"]["message"]
    status, body = send(served, "GET", ZONE_GROUP, "2019-04-01")
    assert (status, body["error"]["code"]) == (400, "NoRegisteredProviderFound")
    assert "for type 'privateEndpoints/privateDnsZoneGroups'" in body["error"]["message"]
    for path, version in (
        (f"{RG}/providers/Microsoft.Storage/storageAccounts", "2024-06-01"),
        (f"{NET}/privateDnsZones/none.example", "2024-05-01"),
        (f"{NET}/networkSecurityGroups/none", "2014-12-01-preview"),
    ):
        assert send(served, "GET", path, version)[1]["error"]["code"] == "NoRegisteredProviderFound", path
    # Microsoft.Resources: newest first, comma-separated (Azure/azure-cli#27109).
    status, body = send(served, "GET", RG, "2023-02-01")
    assert (status, body["error"]["code"]) == (400, "InvalidApiVersionParameter")
    assert body["error"]["message"].startswith(
        "The api-version '2023-02-01' is invalid. The supported versions are '2025-04-01,2025-03-01,"
    )
    # Key Vault (Azure/azure-sdk-for-python#28595).
    status, body = send(served, "GET", "/secrets/none", "7.9")
    assert (status, body["error"]["code"]) == (400, "BadParameter")
    assert body["error"]["message"] == (
        "The specified version (7.9) is not recognized. Consider using the latest supported version "
        "(2026-04-01)."
    )


def test_the_versions_other_clients_send_are_published():
    """azure-native's stand-in and the Azure SDKs batch-infra uses send these: they must stay accepted."""
    for resource_type, version in (
        ("Microsoft.Network/virtualNetworks", "2024-05-01"),
        ("Microsoft.Network/privateEndpoints", "2024-05-01"),
        ("Microsoft.Network/privateDnsZones", "2024-06-01"),
        ("Microsoft.Storage/storageAccounts", "2024-01-01"),
        ("Microsoft.Resources/resourceGroups", "2024-03-01"),
        ("Microsoft.Batch/batchAccounts", "2024-07-01"),
        ("Key Vault (data plane)", "7.6"),
    ):
        assert version in api_versions.versions(resource_type), (resource_type, version)
