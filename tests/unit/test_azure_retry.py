"""The one retry policy and the error classifier, through azure-core's pipeline with a scripted transport."""

from __future__ import annotations

import random
from email.utils import formatdate
from typing import Any

import pytest
from azure.core import PipelineClient
from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest

from batch_infra.providers.azure_failures import azure_failure
from batch_infra.providers.azure_retry import AzureRetryPolicy, RetrySettings, may_repeat


class _Response:
    """The slice of a transport response the pipeline and policies read."""

    def __init__(self, request: Any, status: int, headers: dict[str, str] | None = None, body: bytes = b""):
        self.request, self.status_code, self.headers = request, status, headers or {}
        self.reason, self.content_type, self._body = "", "application/json", body

    def body(self) -> bytes:
        return self._body

    def text(self, encoding: str | None = None) -> str:
        return self._body.decode()

    def read(self) -> bytes:
        return self._body

    def close(self) -> None:
        pass


class Scripted(HttpTransport):  # type: ignore[misc]
    """Answers each request with the next scripted status (or raises the next scripted exception)."""

    def __init__(self, *answers: Any) -> None:
        self.answers, self.sent = list(answers), []

    def send(self, request: Any, **kwargs: Any) -> Any:
        self.sent.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, headers = answer if isinstance(answer, tuple) else (answer, {})
        body = b'{"error": {"code": "Code%d", "message": "m"}}' % status if status >= 400 else b"{}"
        return _Response(request, status, headers, body)

    def open(self) -> None: ...
    def close(self) -> None: ...
    def __exit__(self, *args: Any) -> None: ...


def run(method: str, url: str, *answers: Any, attempts: int = 4) -> tuple[Any, Scripted, list[float]]:
    waits: list[float] = []
    transport = Scripted(*answers)
    policy = AzureRetryPolicy(
        RetrySettings(attempts=attempts, base=1.0, max_wait=30.0), sleep=waits.append, rng=random.Random(7)
    )
    client = PipelineClient("https://example.test", transport=transport, policies=[policy])
    try:
        result: Any = client.send_request(HttpRequest(method, url))
    except Exception as err:  # noqa: BLE001 - the test inspects what came out
        result = err
    return result, transport, waits


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_transient_statuses_are_retried_until_success(status):
    response, transport, waits = run("GET", "/x", status, status, 200)
    assert response.status_code == 200 and len(transport.sent) == 3 and len(waits) == 2


def test_backoff_is_jittered_exponential_and_bounded():
    _, _, waits = run("GET", "/x", 500, 500, 500, 500, 500, 200, attempts=6)
    ceilings = [1, 2, 4, 8, 16]
    assert all(0 <= w <= c for w, c in zip(waits, ceilings, strict=True)) and len(set(waits)) == 5


def test_retry_after_seconds_and_http_dates_are_honoured_and_capped():
    _, _, waits = run("GET", "/x", (429, {"Retry-After": "7"}), (503, {"Retry-After": "4000"}), 200)
    assert waits == [7.0, 30.0]  # the second is Azure's value capped at max_wait
    later = formatdate(timeval=__import__("time").time() + 20, usegmt=True)
    _, _, waits = run("GET", "/x", (429, {"Retry-After": later}), 200)
    assert 17 <= waits[0] <= 20


def test_a_malformed_retry_after_falls_back_to_backoff():
    response, _, waits = run("GET", "/x", (429, {"Retry-After": "soon"}), 200)
    assert response.status_code == 200 and 0 <= waits[0] <= 1


def test_a_post_is_retried_on_429_without_retry_after_and_on_a_connection_never_made():
    response, transport, _ = run("POST", "/regenerateKey", 429, ServiceRequestError("refused"), 200)
    assert response.status_code == 200 and len(transport.sent) == 3


def test_a_post_that_lost_its_answer_is_not_repeated_blind():
    err, transport, _ = run("POST", "/accounts/a/regenerateKey", ServiceResponseError("reset"), 200)
    assert isinstance(err, ServiceResponseError) and len(transport.sent) == 1
    response, transport, _ = run("POST", "/accounts/a/regenerateKey", 500, 200)
    assert response.status_code == 500 and len(transport.sent) == 1


@pytest.mark.parametrize("action", ["listKeys", "stopResize", "activate", "disableAutoScale"])
def test_documented_safe_posts_are_retried_after_a_lost_answer(action):
    response, transport, _ = run(
        "POST", f"/pools/p/{action}?api-version=1", ServiceResponseError("x"), 500, 200
    )
    assert response.status_code == 200 and len(transport.sent) == 3


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_idempotent_methods_are_retried_after_a_lost_answer(method):
    response, transport, _ = run(method, "/x", ServiceResponseError("reset"), 200)
    assert response.status_code == 200 and len(transport.sent) == 2


def test_client_errors_are_never_retried():
    response, transport, _ = run("PUT", "/x", 409)
    assert response.status_code == 409 and len(transport.sent) == 1


def test_may_repeat_table():
    assert may_repeat("POST", "https://h/a/listKeys?api-version=1", status=500, sent=True)
    assert not may_repeat("POST", "https://h/a/regenerateKey", status=500, sent=True)
    assert may_repeat("POST", "https://h/a/regenerateKey", status=503, sent=True)


def failure_after(method: str, *answers: Any, access: str | None = None) -> Any:
    response, _, _ = run(method, "/x", *answers)
    if isinstance(response, Exception):
        err = response
    else:
        err = HttpResponseError(response=response)
    return azure_failure("listing keys of Batch account a", err, access=access, fix="caller's fix")


def test_throttling_says_throttling_with_the_retries_not_a_missing_role():
    failure = failure_after("POST", 429, 429, 429, 429, access="Contributor on the Batch account")
    assert failure.cause == "throttled" and failure.status == 429
    assert failure.fix.startswith("Azure is throttling (429): retried 3 times over ")
    assert (
        "Contributor" not in failure.fix
        and "lower parallelism" in failure.fix
        and failure.fix.endswith("caller's fix")
    )


def test_a_server_error_says_server_error_not_reader_access():
    failure = failure_after("GET", 503, 503, 503, 503, access="Reader on the subscription")
    assert "transient server error (503 Code503)" in failure.fix and "Reader" not in failure.fix


def test_a_lost_connection_says_no_answer():
    failure = failure_after("GET", *[ServiceResponseError("reset")] * 4)
    assert failure.cause == "connection" and failure.code == "ServiceResponseError"
    assert "no answer from Azure" in failure.fix and "retried 3 times" in failure.fix


def test_only_a_403_names_the_role_and_only_a_401_says_sign_in():
    assert "you need Contributor" in failure_after("GET", 403, access="Contributor").fix
    assert "sign in" in failure_after("GET", 401).fix


def test_a_refusal_keeps_the_callers_fix():
    failure = failure_after("PUT", 409)
    assert failure.cause == "refused" and failure.fix == "caller's fix" and failure.code == "Code409"
