"""SharedKey verification against requests signed by azure-batch's own BatchSharedKeyAuthPolicy."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
from azure.batch._patch import BatchSharedKeyAuthPolicy
from azure.core.credentials import AzureNamedKeyCredential
from azure.core.pipeline import PipelineContext, PipelineRequest
from azure.core.rest import HttpRequest

from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.services.batch_data.auth import verify_shared_key

KEY = base64.b64encode(b"k" * 64).decode()
OTHER_KEY = base64.b64encode(b"x" * 64).decode()


def signed(method: str, url: str, key: str = KEY, account: str = "acct", **kwargs) -> HttpRequest:
    request = HttpRequest(method, url, **kwargs)
    BatchSharedKeyAuthPolicy(AzureNamedKeyCredential(account, key)).on_request(
        PipelineRequest(request, PipelineContext(None))
    )
    return request


def verify(
    request: HttpRequest, keys=(KEY,), account: str = "acct", drop_content_length: bool = False
) -> None:
    parts = urlsplit(request.url)
    headers = {k.lower(): v for k, v in request.headers.items()}
    if drop_content_length:
        headers.pop("content-length", None)
    verify_shared_key(
        method=request.method,
        path=parts.path,
        query=dict(parse_qsl(parts.query)),
        headers=headers,
        url_account=account,
        current_keys=keys,
        now=datetime.now(UTC),
    )


URL = "https://127.0.0.1:8443/batch/acct/pools/p1/evaluateautoscale?api-version=2025-06-01&timeOut=30"


def test_accepts_the_sdk_signature_for_get_and_post_with_body():
    verify(
        signed("GET", "https://127.0.0.1:8443/batch/acct/supportedimages?api-version=2025-06-01&maxresults=5")
    )
    verify(signed("POST", URL, json={"autoScaleFormula": "$TargetDedicatedNodes=1"}))


def test_bodyless_post_verifies_when_the_transport_omits_content_length():
    verify(signed("POST", URL), drop_content_length=True)


def test_either_current_key_works_and_a_replaced_key_does_not():
    request = signed("GET", URL.replace("/evaluateautoscale", ""), key=OTHER_KEY)
    verify(request, keys=(KEY, OTHER_KEY))
    with pytest.raises(AzureError) as refused:
        verify(request, keys=(KEY,))
    assert (refused.value.status, refused.value.code) == (403, "AuthenticationFailed")


def test_tampering_with_the_path_query_or_date_breaks_the_signature():
    request = signed("GET", "https://h/batch/acct/pools/p1?api-version=2025-06-01")
    for change in (
        {"url": "https://h/batch/acct/pools/p2?api-version=2025-06-01"},
        {"url": "https://h/batch/acct/pools/p1?api-version=2024-07-01"},
    ):
        forged = HttpRequest("GET", change["url"], headers=dict(request.headers))
        with pytest.raises(AzureError):
            verify(forged)
    request.headers["ocp-date"] = "Mon, 01 Jan 2001 00:00:00 GMT"
    with pytest.raises(AzureError):
        verify(request)


def test_the_signing_account_must_be_the_url_account_and_the_header_well_formed():
    with pytest.raises(AzureError) as wrong_account:
        verify(signed("GET", URL, account="other"), account="acct")
    assert wrong_account.value.status == 403
    request = signed("GET", URL)
    request.headers["Authorization"] = "SharedKey no-signature"
    with pytest.raises(AzureError) as malformed:
        verify(request)
    assert malformed.value.status == 401


def test_the_date_header_is_used_when_there_is_no_ocp_date():
    request = signed("GET", URL)
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert "ocp-date" in headers  # azure-batch dates its requests with ocp-date
    now = datetime.now(UTC)
    stale = "Mon, 01 Jan 2001 00:00:00 GMT"
    parts = urlsplit(request.url)
    common = {"method": "GET", "path": parts.path, "query": dict(parse_qsl(parts.query)),
              "url_account": "acct", "current_keys": (KEY,), "now": now}
    verify_shared_key(headers={**headers, "date": stale}, **common)  # ocp-date wins over Date
    undated = {k: v for k, v in headers.items() if k != "ocp-date"}
    with pytest.raises(AzureError) as refused:
        verify_shared_key(headers={**undated, "date": stale}, **common)
    assert refused.value.status == 403 and "Date header" in refused.value.details[0]["message"]
    with pytest.raises(AzureError) as missing:
        verify_shared_key(headers=undated, **common)
    assert "neither an ocp-date nor a Date" in missing.value.details[0]["message"]
