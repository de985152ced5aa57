"""The emulator's pipeline: auth, api-versions, malformed bodies, faults, request log, reset, 500s."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request

import pytest
from azure.core.exceptions import HttpResponseError

from batch_infra.emulator.app import EmulatorApp
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.http import Request
from batch_infra.emulator.state import State

pytestmark = pytest.mark.emulator


def call(emulator, method: str, path: str, body: bytes | None = None, token: str | None = "ready"):
    """A raw HTTPS request (no SDK) for the cases the SDK cannot send: no token, bad JSON."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {emulator.info['token'] if token == 'ready' else token}"
    request = urllib.request.Request(
        emulator.info["arm_endpoint"] + path, data=body, method=method, headers=headers
    )
    context = ssl.create_default_context(cafile=emulator.info["ca_bundle"])
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read() or b"null")


def rg_path(emulator, name: str = "rg", version: str | None = "2025-04-01") -> str:
    query = f"?api-version={version}" if version else ""
    return f"/subscriptions/{emulator.info['subscription_id']}/resourcegroups/{name}{query}"


def test_missing_or_wrong_token_is_401_in_arm_shape(clean_emulator):
    status, headers, body = call(clean_emulator, "GET", rg_path(clean_emulator), token=None)
    assert (status, body["error"]["code"]) == (401, "AuthenticationFailed")
    assert "x-ms-request-id" in {k.lower() for k in headers}
    status, _, body = call(clean_emulator, "GET", rg_path(clean_emulator), token="forged")
    assert (status, body["error"]["code"]) == (401, "InvalidAuthenticationToken")
    assert call(clean_emulator, "GET", "/admin/requests", token=None)[0] == 401


def test_api_version_and_body_errors(clean_emulator):
    status, _, body = call(clean_emulator, "GET", rg_path(clean_emulator, version="2099-01-01"))
    assert (status, body["error"]["code"]) == (400, "InvalidApiVersionParameter")
    assert "2025-04-01" in body["error"]["message"]
    status, _, body = call(clean_emulator, "GET", rg_path(clean_emulator, version=None))
    assert (status, body["error"]["code"]) == (400, "MissingApiVersionParameter")
    status, _, body = call(clean_emulator, "PUT", rg_path(clean_emulator), body=b"{not json")
    assert (status, body["error"]["code"]) == (400, "InvalidRequestContent")
    status, _, body = call(clean_emulator, "PUT", rg_path(clean_emulator), body=b"{}")
    assert (status, body["error"]["code"], body["error"]["target"]) == (400, "LocationRequired", "location")
    status, _, body = call(clean_emulator, "GET", "/subscriptions/x/unknown?api-version=1")
    assert (status, body["error"]["code"]) == (404, "NotFound")


def test_429_with_retry_after_is_retried_by_the_sdk_and_logged(clean_emulator):
    client = clean_emulator.resource_client()
    clean_emulator.add_fault(
        r"/resourcegroups/rg-throttled$", method="PUT", status=429, retry_after=1, count=2
    )
    group = client.resource_groups.create_or_update("rg-throttled", {"location": "westeurope"})
    assert group.name == "rg-throttled"
    puts = [e for e in clean_emulator.requests() if e["method"] == "PUT"]
    assert [e["status"] for e in puts] == [429, 429, 201]
    assert set(puts[0]) == {"method", "path", "api_version", "status", "duration_ms"}
    assert puts[0]["api_version"] == "2025-04-01"


def test_dropped_connection_and_5xx_are_retried(clean_emulator):
    client = clean_emulator.resource_client()
    client.resource_groups.create_or_update("rg-flaky", {"location": "westeurope"})
    clean_emulator.add_fault("/resourcegroups/rg-flaky", method="GET", drop=True, count=1)
    clean_emulator.add_fault("/resourcegroups/rg-flaky", method="GET", status=503, count=1)
    clean_emulator.clear_requests()
    assert client.resource_groups.get("rg-flaky").name == "rg-flaky"
    assert [e["status"] for e in clean_emulator.requests()] == [None, 503, 200]


def test_delay_and_probability_are_deterministic(clean_emulator):
    client = clean_emulator.resource_client()
    client.resource_groups.create_or_update("rg-slow", {"location": "westeurope"})
    clean_emulator.add_fault("/resourcegroups/rg-slow", method="GET", delay_ms=150, count=1)
    clean_emulator.clear_requests()
    client.resource_groups.get("rg-slow")
    assert clean_emulator.requests()[0]["duration_ms"] >= 150

    def pattern() -> list[int]:
        clean_emulator.reset()  # reseeds the fault RNG
        client.resource_groups.create_or_update("rg-coin", {"location": "westeurope"})
        clean_emulator.add_fault("/resourcegroups/rg-coin", method="HEAD", status=500, probability=0.5)
        for _ in range(10):
            call(clean_emulator, "HEAD", rg_path(clean_emulator, "rg-coin"))
        return [e["status"] for e in clean_emulator.requests() if e["method"] == "HEAD"]

    first = pattern()
    assert first == pattern()
    assert 0 < first.count(500) < 10


def test_bad_fault_rule_is_refused_with_the_field(clean_emulator):
    with pytest.raises(AssertionError, match="probability"):
        clean_emulator.add_fault("x", probability=2)
    with pytest.raises(AssertionError, match="bogus"):
        clean_emulator.admin("POST", "/faults", {"path": "x", "bogus": 1})


def test_reset_empties_state_faults_and_log(clean_emulator):
    client = clean_emulator.resource_client()
    client.resource_groups.create_or_update("rg-reset", {"location": "westeurope"})
    clean_emulator.add_fault("never-matches", status=500)
    clean_emulator.reset()
    assert clean_emulator.requests() == []
    assert clean_emulator.admin("GET", "/faults") == []
    assert client.resource_groups.check_existence("rg-reset") is False


def test_clock_and_settings_admin(clean_emulator):
    before = clean_emulator.admin("GET", "/clock")
    after = clean_emulator.advance_clock(3600)
    assert after["offset_seconds"] == before["offset_seconds"] + 3600
    with pytest.raises(AssertionError, match="UnknownSetting"):
        clean_emulator.settings(no_such_setting=1)
    assert clean_emulator.settings(lro_delay_seconds=3)["lro_delay_seconds"] == 3


def test_handler_bug_is_azure_500_and_traceback_on_stderr(capsys):
    ctx = EmulatorContext(
        state=State(), arm_endpoint="https://127.0.0.1:1", token="t", subscription_id="s", tenant_id="t"
    )
    app = EmulatorApp(ctx, services=())

    def broken(request: Request):
        raise KeyError("bug")

    app.router.add("GET", "/broken", broken, api_versions=())
    response = app.handle(Request("GET", "/broken", {}, {"authorization": "Bearer t"}))
    assert (response.status, response.body["error"]["code"]) == (500, "InternalServerError")
    assert "KeyError: 'bug'" in capsys.readouterr().err
    assert app.log.entries()[0]["status"] == 500


def test_sdk_surfaces_emulator_errors(clean_emulator):
    with pytest.raises(HttpResponseError) as err:
        clean_emulator.resource_client().resource_groups.update("rg-none", {"tags": {}})
    assert err.value.status_code == 404


def test_authentication_comes_before_the_api_version(clean_emulator):
    # ARM answers 401 to an unauthenticated call whatever its api-version.
    status, _, body = call(clean_emulator, "GET", rg_path(clean_emulator, version="2099-01-01"), token=None)
    assert (status, body["error"]["code"]) == (401, "AuthenticationFailed")
    status, _, body = call(clean_emulator, "GET", rg_path(clean_emulator, version=None), token="forged")
    assert (status, body["error"]["code"]) == (401, "InvalidAuthenticationToken")


@pytest.mark.parametrize(
    ("rule", "target"),
    [
        ({"delay_ms": -5}, "delay_ms"),
        ({"retry_after": -1}, "retry_after"),
        ({"method": "FETCH"}, "method"),
        ({"method": 7}, "method"),
    ],
)
def test_fault_rule_values_are_validated(clean_emulator, rule, target):
    status, _, body = call(clean_emulator, "POST", "/admin/faults",
                           json.dumps({"path": "x", **rule}).encode())
    assert (status, body["error"]["code"], body["error"]["target"]) == (400, "InvalidFaultRule", target)
    assert clean_emulator.admin("GET", "/faults") == []


@pytest.mark.parametrize(
    "change",
    [
        {"lro_delay_seconds": -1},
        {"lro_delay_seconds": "soon"},
        {"lro_retry_after": 1.5},
        {"lro_retry_after": True},
        {"batch_account_quota": -2},
        {"allocation_delay_seconds": None},
    ],
)
def test_settings_keep_the_type_and_range_of_their_defaults(clean_emulator, change):
    before = clean_emulator.settings()
    status, _, body = call(clean_emulator, "PUT", "/admin/settings", json.dumps(change).encode())
    assert (status, body["error"]["code"], body["error"]["target"]) == (400, "InvalidSettingValue", *change)
    assert clean_emulator.settings() == before
