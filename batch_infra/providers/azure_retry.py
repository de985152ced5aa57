"""The one retry policy of every Azure call: transient statuses and lost connections, bounded and jittered.

Retried: 408, 429, 500, 502, 503, 504 and answers that never came (connection refused, reset or dropped,
read timeouts). Retry-After (seconds or an HTTP date; retry-after-ms) is honoured up to `max_wait`.
Without it, the wait is exponential with full jitter (AWS Architecture Blog, "Exponential Backoff And
Jitter"): uniform in [0, min(max_wait, base * 2**n)].

Idempotency: GET/HEAD/PUT/DELETE/OPTIONS and PATCH repeat to the same result (an ARM PATCH merges the
values it carries), so they are retried on every transient failure. A POST is an action: it is retried
only when Azure did not process it (429, 503, or a connection that never carried the request), or when
the action is documented as safe to repeat (`SAFE_POST_ACTIONS`: list keys, stop a resize, activate a
package...). Any other POST that lost its answer is reported, never repeated blind (regenerateKey twice
would change the key twice).

Every exhausted request carries a `RetryRecord` (attempts, seconds, last status) so the error classifier
can say "retried N times over S s".
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError, ServiceResponseError
from azure.core.pipeline.policies import HTTPPolicy
from azure.core.pipeline.policies._utils import get_retry_after

TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
NOT_PROCESSED_STATUSES = frozenset({429, 503})  # Azure refused before doing anything: any method may repeat
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"})
# POST actions Azure documents as safe to repeat: reads (list*, check*), and actions whose second call
# finds the first one's result (a stopped resize, an active package, synced keys).
SAFE_POST_ACTIONS = (
    "/listkeys",
    "/stopresize",
    "/disableautoscale",
    "/activate",
    "/syncautostoragekeys",
    "/checknameavailability",
    "/evaluateautoscale",
    "/listoutboundnetworkdependenciesendpoints",
)
ATTEMPTS_ENV = "BATCH_INFRA_RETRY_ATTEMPTS"  # tries per call (first one included); default 6
BASE_ENV = "BATCH_INFRA_RETRY_BASE_SECONDS"  # first backoff ceiling; default 1 s
MAX_WAIT_ENV = "BATCH_INFRA_RETRY_MAX_WAIT_SECONDS"  # bound on any one wait, Retry-After included; 60 s
RECORD_ATTRIBUTE = "batch_infra_retries"


@dataclass(frozen=True)
class RetryRecord:
    """How one call fared: tries made, seconds spent in all of them, and the last status (None: no answer)."""

    attempts: int
    seconds: float
    last_status: int | None

    @property
    def retries(self) -> int:
        return self.attempts - 1


@dataclass(frozen=True)
class RetrySettings:
    attempts: int = 6
    base: float = 1.0
    max_wait: float = 60.0

    @classmethod
    def from_environment(cls) -> RetrySettings:
        return cls(
            attempts=max(1, int(_env_float(ATTEMPTS_ENV, 6))),
            base=max(0.0, _env_float(BASE_ENV, 1.0)),
            max_wait=max(0.0, _env_float(MAX_WAIT_ENV, 60.0)),
        )


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def may_repeat(method: str, url: str, *, status: int | None, sent: bool) -> bool:
    """Whether repeating this request cannot apply it twice (see the module docstring)."""
    method = method.upper()
    if method in IDEMPOTENT_METHODS or not sent:
        return True
    if status in NOT_PROCESSED_STATUSES:
        return True
    path = url.split("?", 1)[0].lower().rstrip("/")
    return method == "POST" and path.endswith(SAFE_POST_ACTIONS)


def backoff(attempt: int, settings: RetrySettings, rng: random.Random) -> float:
    """Full jitter: uniform in [0, min(max_wait, base * 2**(attempt-1))]."""
    return rng.uniform(0.0, min(settings.max_wait, settings.base * 2 ** (attempt - 1)))


def retry_after(response: Any, settings: RetrySettings) -> float | None:
    """Azure's Retry-After in seconds (bounded by max_wait); None if absent or unreadable."""
    try:
        seconds = get_retry_after(response)
    except (ValueError, TypeError, OverflowError):
        return None  # a malformed header is no instruction: fall back to backoff
    return None if seconds is None else min(max(seconds, 0.0), settings.max_wait)


class AzureRetryPolicy(HTTPPolicy):  # type: ignore[type-arg]
    """Sits where azure-core's RetryPolicy sits in every SDK client (`retry_policy=`)."""

    def __init__(
        self,
        settings: RetrySettings | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings or RetrySettings.from_environment()
        self._sleep = sleep
        self._rng = rng or random.Random()

    def send(self, request: Any) -> Any:
        started = time.monotonic()
        http = request.http_request
        position = _body_position(http)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.next.send(request)
            except ClientAuthenticationError:
                raise  # no token: repeating cannot help, and the classifier says how to sign in
            except (ServiceRequestError, ServiceResponseError) as err:
                sent = isinstance(err, ServiceResponseError)
                if attempt >= self.settings.attempts or not may_repeat(
                    http.method, http.url, status=None, sent=sent
                ):
                    _record(err, RetryRecord(attempt, time.monotonic() - started, None))
                    raise
                self._wait(backoff(attempt, self.settings, self._rng), http, position)
                continue
            status = response.http_response.status_code
            retryable = status in TRANSIENT_STATUSES and may_repeat(
                http.method, http.url, status=status, sent=True
            )
            if not retryable or attempt >= self.settings.attempts:
                if status >= 400:
                    _record(response.http_response, RetryRecord(attempt, time.monotonic() - started, status))
                return response
            wait = retry_after(response, self.settings)
            if wait is None:
                wait = backoff(attempt, self.settings, self._rng)
            self._wait(wait, http, position)

    def _wait(self, seconds: float, http: Any, position: int | None) -> None:
        if seconds > 0:
            self._sleep(seconds)
        if position is not None:
            http.body.seek(position)  # a streamed body is re-sent from where it started


def _body_position(http: Any) -> int | None:
    body = getattr(http, "body", None)
    if body is not None and hasattr(body, "seek") and hasattr(body, "tell"):
        try:
            return int(body.tell())
        except (OSError, ValueError):
            return None
    return None


def _record(carrier: Any, record: RetryRecord) -> None:
    try:
        setattr(carrier, RECORD_ATTRIBUTE, record)
    except AttributeError:
        pass  # a transport object with __slots__: the message then just lacks the retry count


def record_of(err: Any) -> RetryRecord | None:
    """The RetryRecord an SDK error carries (on itself or on its response), if this policy made one."""
    found = getattr(err, RECORD_ATTRIBUTE, None)
    if found is None:
        found = getattr(getattr(err, "response", None), RECORD_ATTRIBUTE, None)
    return found if isinstance(found, RetryRecord) else None
