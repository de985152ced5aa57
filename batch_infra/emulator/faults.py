"""Deterministic fault injection: rules on method and path that delay, fail (429/5xx) or drop requests."""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass
from typing import Any

from batch_infra.emulator.errors import AzureError

# Azure's codes for the statuses tests inject; anything else gets a generic code naming the status.
_CODES = {
    # ARM's answer to a caller without the role ("Troubleshoot Azure RBAC": AuthorizationFailed).
    403: (
        "AuthorizationFailed",
        "The client does not have authorization to perform this action over this scope (injected fault).",
    ),
    429: ("TooManyRequests", "The request is being throttled; retry after the interval in Retry-After."),
    500: ("InternalServerError", "The server encountered an internal error. Please retry the request."),
    502: ("BadGateway", "The gateway did not receive a response in time. Please retry the request."),
    503: ("ServerBusy", "The server is currently unable to receive requests. Please retry your request."),
    504: ("GatewayTimeout", "The gateway did not receive a response in time. Please retry the request."),
}
HTTP_METHODS = ("GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS")
_FIELDS = {
    "method",
    "path",
    "api_version",
    "status",
    "retry_after",
    "delay_ms",
    "count",
    "probability",
    "drop",
    "lose_response",
    "skip",
    "seed",
}


@dataclass
class FaultRule:
    path: re.Pattern[str]
    method: str | None = None  # None matches every method
    # Only requests with this api-version (case-insensitive): one client's calls among several, e.g.
    # batch-infra's providers (Batch 2025-06-01) beside the azure-native resources (2024-07-01).
    api_version: str | None = None
    status: int | None = None  # None: no error (a delay-only rule)
    retry_after: int | None = None
    delay_ms: int = 0
    count: int | None = None  # matching requests still to fault; None = every one
    probability: float = 1.0
    drop: bool = False  # close the connection without a response (the request is not served)
    lose_response: bool = False  # serve the request, then close the connection before the answer
    skip: int = 0  # matching requests let through untouched first (a crash "after step N" in tests)
    rng: random.Random | None = None  # the rule's own draws ("seed"), else the injector's shared ones

    def describe(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path.pattern,
            "api_version": self.api_version,
            "status": self.status,
            "retry_after": self.retry_after,
            "delay_ms": self.delay_ms,
            "count": self.count,
            "probability": self.probability,
            "drop": self.drop,
            "lose_response": self.lose_response,
            "skip": self.skip,
        }


@dataclass(frozen=True)
class Fault:
    """What to do to one request: wait `delay_ms`, then fail with `error`, drop it, or go on (and with
    `lose_response`, close the connection once it has been served)."""

    delay_ms: int
    error: AzureError | None
    drop: bool
    lose_response: bool = False


def parse_rule(spec: Any) -> FaultRule:
    """A rule from the admin API's JSON; a bad spec is a 400 naming the field to fix."""
    if not isinstance(spec, dict):
        raise AzureError(400, "InvalidFaultRule", "A fault rule must be a JSON object with at least 'path'.")
    unknown = sorted(set(spec) - _FIELDS)
    if unknown:
        raise AzureError(
            400,
            "InvalidFaultRule",
            f"Unknown fault rule field(s) {unknown}; known: {sorted(_FIELDS)}.",
            target=unknown[0],
        )
    if not isinstance(spec.get("path"), str):
        raise AzureError(
            400, "InvalidFaultRule", "'path' (a regex searched in the URL path) is required.", target="path"
        )
    try:
        pattern = re.compile(spec["path"], re.IGNORECASE)
    except re.error as err:
        raise AzureError(
            400, "InvalidFaultRule", f"'path' is not a valid regex: {err}.", target="path"
        ) from err
    rule = FaultRule(
        path=pattern,
        method=_opt(spec, "method", str, str.upper),
        api_version=_opt(spec, "api_version", str, str.lower),
        status=_opt(spec, "status", int),
        retry_after=_opt(spec, "retry_after", int),
        delay_ms=_opt(spec, "delay_ms", int) or 0,
        count=_opt(spec, "count", int),
        probability=float(_opt(spec, "probability", (int, float)) if "probability" in spec else 1.0),
        drop=bool(_opt(spec, "drop", bool)),
        lose_response=bool(_opt(spec, "lose_response", bool)),
        skip=_opt(spec, "skip", int) or 0,
        rng=random.Random(spec["seed"]) if _opt(spec, "seed", int) is not None else None,
    )
    if rule.method is not None and rule.method not in HTTP_METHODS:
        raise AzureError(
            400,
            "InvalidFaultRule",
            f"'method' must be one of {', '.join(HTTP_METHODS)} (or omitted for all), "
            f"got {spec['method']!r}.",
            target="method",
        )
    for field in ("delay_ms", "retry_after", "skip"):
        value = getattr(rule, field)
        if value is not None and value < 0:
            raise AzureError(
                400, "InvalidFaultRule", f"'{field}' must be 0 or more, got {value}.", target=field
            )
    if rule.status is not None and not 400 <= rule.status <= 599:
        raise AzureError(
            400, "InvalidFaultRule", f"'status' must be 400-599, got {rule.status}.", target="status"
        )
    if not 0.0 <= rule.probability <= 1.0:
        raise AzureError(
            400, "InvalidFaultRule", "'probability' must be between 0 and 1.", target="probability"
        )
    if rule.count is not None and rule.count < 1:
        raise AzureError(
            400, "InvalidFaultRule", "'count' must be at least 1 (omit it for every request).", target="count"
        )
    return rule


def _opt(spec: dict[str, Any], key: str, kind: Any, convert: Any = None) -> Any:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) and kind is not bool:
        raise AzureError(400, "InvalidFaultRule", f"'{key}' must not be a boolean.", target=key)
    if not isinstance(value, kind):
        raise AzureError(400, "InvalidFaultRule", f"'{key}' has the wrong type: {value!r}.", target=key)
    return convert(value) if convert else value


def error_for(status: int, retry_after: int | None) -> AzureError:
    code, message = _CODES.get(status, (f"InjectedFault{status}", f"Injected fault: HTTP {status}."))
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return AzureError(status, code, message, headers=headers)


class FaultInjector:
    """The active rules; the first matching rule that fires decides. Seeded, so runs are reproducible."""

    def __init__(self, seed: int | None = None) -> None:
        self._seed = seed
        self._rng = random.Random(seed)
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._rng = random.Random(self._seed)

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.describe() for rule in self._rules]

    def pick(self, method: str, path: str, api_version: str | None = None) -> Fault | None:
        with self._lock:
            for rule in self._rules:
                if rule.method not in (None, method) or not rule.path.search(path):
                    continue
                if rule.api_version is not None and rule.api_version != (api_version or "").lower():
                    continue
                if rule.skip:
                    rule.skip -= 1
                    continue
                # Draw only for probabilistic rules so adding a certain rule does not shift others' draws.
                draw = (rule.rng or self._rng).random if rule.probability < 1.0 else None
                if draw is not None and draw() >= rule.probability:
                    continue
                if rule.count is not None:
                    rule.count -= 1
                    if rule.count == 0:
                        self._rules.remove(rule)
                error = error_for(rule.status, rule.retry_after) if rule.status is not None else None
                return Fault(rule.delay_ms, error, rule.drop, rule.lose_response)
        return None
