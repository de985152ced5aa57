"""Batch data-plane SharedKey signatures, canonicalized as azure-batch signs them, and bearer tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import quote

from batch_infra.emulator.errors import AzureError

# Batch must receive a SharedKey request within 15 minutes of its ocp-date / Date ("Authenticate requests
# to Azure Batch"); the same window applies to a client clock running ahead.
MAX_CLOCK_SKEW = timedelta(minutes=15)
_RFC1123 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")

# The standard headers azure-batch's BatchSharedKeyAuthPolicy signs, in its order.
SIGNED_HEADERS = (
    "content-encoding",
    "content-language",
    "content-length",
    "content-md5",
    "content-type",
    "date",
    "if-modified-since",
    "if-match",
    "if-none-match",
    "if-unmodified-since",
    "range",
)


def string_to_sign(
    method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str], account: str
) -> str:
    """The canonical string azure-batch signs: verb, headers, sorted ocp-* headers, /account/path, query."""
    lowered = {k.lower(): v for k, v in headers.items() if v}
    if method.upper() not in ("GET", "HEAD"):
        # The client signs "0" when it has not set Content-Length, and the transport may then omit it.
        lowered.setdefault("content-length", "0")
    if "ocp-date" in lowered:
        lowered.pop("date", None)  # "If you set ocp-date, construct the signature with an empty Date"
    parts = [method.upper(), *(lowered.get(h, "") for h in SIGNED_HEADERS)]
    text = "\n".join(parts) + "\n"
    text += "".join(f"{k}:{v}\n" for k, v in sorted((k, v) for k, v in lowered.items() if "ocp-" in k))
    text += f"/{account}{path}"
    for name in sorted(query):
        if query[name]:
            text += f"\n{name}:{query[name]}"
    return text


def sign(key: str, text: str) -> str:
    """Base64 HMAC-SHA256 of `text` under the base64-encoded account key."""
    digest = hmac.new(base64.b64decode(key), text.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def parse_shared_key(authorization: str) -> tuple[str, str]:
    """(account, signature) from 'SharedKey account:signature'; Azure's 401 when malformed."""
    scheme, _, credential = authorization.partition(" ")
    account, sep, signature = credential.strip().rpartition(":")
    if scheme != "SharedKey" or not sep or not account or not signature:
        raise _auth_error(
            401, "The Authorization header must be 'SharedKey <account>:<signature>' or 'Bearer <token>'."
        )
    return account, signature


def verify_shared_key(
    *,
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    url_account: str,
    current_keys: Iterable[str],
    now: datetime,
) -> None:
    """Accept the request only if its SharedKey signature matches one of the account's CURRENT keys.

    `path` is the decoded URL path; the client signs the encoded one, so both spellings are tried
    (they only differ for ids outside [A-Za-z0-9_-], which Batch ids cannot contain anyway).
    """
    account, signature = parse_shared_key(headers.get("authorization", ""))
    if account.lower() != url_account.lower():
        raise _auth_error(
            403,
            f"The SharedKey account '{account}' does not match the account '{url_account}' "
            "in the URL; sign with the key of the account you are calling.",
        )
    check_request_date(headers, now)
    for candidate in dict.fromkeys((path, quote(path))):
        text = string_to_sign(method, candidate, query, headers, account)
        for key in current_keys:
            if hmac.compare_digest(sign(key, text), signature):
                return
    raise _auth_error(
        403,
        "The MAC signature found in the HTTP request is not the same as any computed signature. "
        "The key may have been regenerated: fetch the current keys with listKeys and sign again.",
    )


def check_request_date(headers: Mapping[str, str], now: datetime) -> None:
    """The request's creation time (ocp-date wins over Date) must be RFC 1123, within 15 minutes of `now`."""
    name = "ocp-date" if headers.get("ocp-date") else "Date"
    value = headers.get(name.lower())
    if not value:
        raise _auth_error(
            403,
            "The request has neither an ocp-date nor a Date header; send the UTC time of the request in "
            "ocp-date (RFC 1123, e.g. 'Mon, 01 Jan 2024 00:00:00 GMT') and sign it.",
        )
    sent = parsedate_to_datetime(value) if _RFC1123.match(value.strip()) else None
    if sent is None:
        raise _auth_error(
            403,
            f"The {name} header '{value}' is not an RFC 1123 date such as 'Mon, 01 Jan 2024 00:00:00 GMT'.",
        )
    skew = abs(now - sent)
    if skew > MAX_CLOCK_SKEW:
        raise _auth_error(
            403,
            f"The {name} header '{value}' is {int(skew.total_seconds())} s from the service's time "
            f"({now:%a, %d %b %Y %H:%M:%S} GMT); requests must be received within 15 minutes of their "
            "date: sign a fresh request and check the client's clock.",
        )


def verify_bearer(authorization: str, token: str) -> None:
    scheme, _, presented = authorization.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(presented.strip(), token):
        raise _auth_error(
            401, "The bearer token is invalid or expired; request a new token for the Batch resource."
        )


def _auth_error(status: int, detail: str) -> AzureError:
    return AzureError(
        status,
        "AuthenticationFailed",
        "Server failed to authenticate the request. Make sure the value of Authorization header is correctly "
        "formed including the signature.",
        details=[{"target": "AuthenticationErrorDetail", "message": detail}],
    )


def mode_disabled(account: str, mode: str) -> AzureError:
    """403 for a SharedKey or bearer request to an account whose allowedAuthenticationModes leave it out."""
    other = "a Microsoft Entra ID token" if mode == "SharedKey" else "a SharedKey signature"
    return _auth_error(
        403,
        f"Batch account '{account}' does not allow {mode} authentication (allowedAuthenticationModes); "
        f"authenticate with {other}, or add '{mode}' to the account's modes.",
    )
