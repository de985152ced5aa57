"""Data-plane authentication through azure-batch: the request date SharedKey needs, bearer tokens only for
accounts that allow AAD, and the Batch service's own api-version errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest

from tests.emulator.batch.helpers import RG, make_account
from tests.emulator.spec_schema import BATCH_DATA_SPEC, assert_matches_spec

pytestmark = pytest.mark.emulator


@pytest.fixture
def account(clean_emulator):
    return make_account(clean_emulator)


def _shared_key_client(emulator, account):
    key = emulator.batch_mgmt_client().batch_account.get_keys(RG, "batchacct").primary
    return emulator.batch_data_client(account.account_endpoint, key)


def _auth_detail(error: HttpResponseError) -> str:
    body = error.response.json()
    assert_matches_spec(body, BATCH_DATA_SPEC, "BatchError")
    return next(v["value"] for v in body["values"] if v["key"] == "AuthenticationErrorDetail")


def _refused(call) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as refused:
        call()
    assert (refused.value.status_code, refused.value.error.code) == (403, "AuthenticationFailed")
    return refused.value


def test_shared_key_date_must_be_within_fifteen_minutes_of_the_service_clock(clean_emulator, account):
    data = _shared_key_client(clean_emulator, account)
    stale = datetime.now(UTC) - timedelta(minutes=16)
    error = _refused(lambda: list(data.list_pools(ocp_date=stale)))  # signed correctly, but too old
    assert "ocp-date" in _auth_detail(error) and "15 minutes" in _auth_detail(error)
    assert list(data.list_pools(ocp_date=datetime.now(UTC) - timedelta(minutes=14))) == []
    clean_emulator.advance_clock(16 * 60)  # the service's clock moved on: a fresh client date is now stale
    _refused(lambda: list(data.list_pools()))


def test_a_garbage_ocp_date_is_refused_naming_the_header(clean_emulator, account):
    data = _shared_key_client(clean_emulator, account)
    error = _refused(lambda: list(data.list_pools(headers={"ocp-date": "yesterday at noon"})))
    assert "ocp-date" in _auth_detail(error) and "RFC 1123" in _auth_detail(error)


def test_a_missing_date_is_refused(clean_emulator, account):
    data = _shared_key_client(clean_emulator, account)

    def drop_date(request):  # azure-core's custom hook runs after the SDK signed: valid signature, no date
        request.http_request.headers.pop("ocp-date", None)

    error = _refused(lambda: list(data.list_pools(raw_request_hook=drop_date)))
    assert "neither an ocp-date nor a Date header" in _auth_detail(error)


def test_bearer_token_needs_aad_in_the_account_modes(clean_emulator, account):
    mgmt = clean_emulator.batch_mgmt_client()
    mgmt.batch_account.update(RG, "batchacct", {"properties": {"allowedAuthenticationModes": ["SharedKey"]}})
    entra = clean_emulator.batch_data_client(account.account_endpoint)  # the emulator's bearer token
    error = _refused(lambda: list(entra.list_pools()))
    assert "AAD" in _auth_detail(error)
    assert list(_shared_key_client(clean_emulator, account).list_pools()) == []
    mgmt.batch_account.update(RG, "batchacct", {"properties": {"allowedAuthenticationModes": ["AAD"]}})
    assert list(entra.list_pools()) == []


def test_api_version_errors_use_the_batch_codes(clean_emulator, account):
    data = _shared_key_client(clean_emulator, account)
    for params, code, values in (
        ({"api-version": "2099-01-01"}, "InvalidQueryParameterValue", {"api-version", "2099-01-01"}),
        ({}, "MissingRequiredQueryParameter", {"api-version"}),
    ):
        with pytest.raises(HttpResponseError) as refused:  # azure-batch's send_request raises on errors
            data.send_request(HttpRequest("GET", "/pools", params=params))
        assert refused.value.status_code == 400
        body = refused.value.response.json()
        assert_matches_spec(body, BATCH_DATA_SPEC, "BatchError")
        assert body["code"] == code
        assert values <= {v["value"] for v in body["values"]}
        assert {"key": "QueryParameterName", "value": "api-version"} in body["values"]
