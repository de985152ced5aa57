"""The error classifier: an Azure SDK failure becomes an AzureOperationError whose fix matches its cause.

The cause is read from Azure's own status and code, never guessed from the operation: throttling says it
is throttling (and how often it was retried), a server error says so, a lost connection says so; only a
403 talks about access (the caller names the role it needs) and only a 401 about signing in. The caller's
`fix` is for what is left: Azure refused the request itself (400/404/409/412), where only the operation
knows what to change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from batch_infra.errors import AzureOperationError

T = TypeVar("T")
SIGN_IN = (
    "sign in for DefaultAzureCredential: `az login` (then `az account set --subscription ...`), or set "
    "the variables pulumi-azure-native reads (ARM_CLIENT_ID, ARM_TENANT_ID and ARM_CLIENT_SECRET; or "
    "ARM_USE_OIDC=true with ARM_OIDC_TOKEN; or ARM_USE_MSI=true), or azure-identity's AZURE_TENANT_ID, "
    "AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or run where a managed identity is assigned"
)
_MAX_MESSAGE = 2000  # Azure's messages are short; a proxy's HTML error page is not worth more
THROTTLED = "throttled"
SERVER = "server"
CONNECTION = "connection"
AUTHENTICATION = "authentication"
ACCESS = "access"
REFUSED = "refused"


def classify(err: Any) -> str:
    """One of: throttled, server, connection, authentication, access, refused."""
    from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

    status = getattr(err, "status_code", None)
    if status is None and isinstance(err, ClientAuthenticationError):
        return AUTHENTICATION  # no token at all: nothing to sign with
    if not isinstance(err, HttpResponseError) or status is None:
        return CONNECTION
    if status == 429:
        return THROTTLED
    if status == 408 or status >= 500:
        return SERVER
    if status == 401:
        return AUTHENTICATION
    if status == 403 and _code(err) not in _REFUSALS_403:
        return ACCESS
    return REFUSED


# 403s that are Azure refusing the request, not the caller lacking a role.
_REFUSALS_403 = {"AutoStorageKeysInvalid", "AccountIsDisabled", "Forbidden", "RequestDisallowedByPolicy"}


def azure_failure(
    operation: str, err: Any, *, access: str | None = None, fix: str | None = None
) -> AzureOperationError:
    """The AzureOperationError for one failed call; `access` names the role a 403 means is missing."""
    kind = classify(err)
    code = _code(err)
    status = getattr(err, "status_code", None)
    message = _message(err)
    if kind == CONNECTION:
        code = type(err).__name__
    elif kind == AUTHENTICATION and status is None:
        code = "no credential"  # Azure never answered: there was no token to send
    failure = AzureOperationError(operation, code, message, fix=_fix(kind, err, access, fix))
    failure.status = status
    failure.cause = kind
    failure.retry = _record(err)
    return failure


@contextmanager
def calling(operation: str, *, access: str | None = None, fix: str | None = None) -> Iterator[None]:
    """`with calling("reading pool 'x'"):` turns any azure-core error raised inside into azure_failure."""
    from azure.core.exceptions import AzureError

    try:
        yield
    except AzureError as err:
        raise azure_failure(operation, err, access=access, fix=fix) from err


def call(operation: str, action: Callable[[], T], *, access: str | None = None, fix: str | None = None) -> T:
    with calling(operation, access=access, fix=fix):
        return action()


def is_not_found(failure: BaseException) -> bool:
    from azure.core.exceptions import ResourceNotFoundError

    return isinstance(failure.__cause__, ResourceNotFoundError)


def _fix(kind: str, err: Any, access: str | None, fix: str | None) -> str:
    tried = _tried(_record(err))
    status = getattr(err, "status_code", None)
    then = f"; {fix}" if fix else ""  # the caller's recovery (what a re-run resumes), after the cause
    if kind == THROTTLED:
        return (
            f"Azure is throttling (429){tried}; re-run later or lower parallelism (e.g. `pulumi up "
            "--parallel 4`)" + then
        )
    if kind == SERVER:
        return (
            f"Azure had a transient server error ({status} {_code(err) or ''}".rstrip()
            + f"){tried}; re-run later (if it persists, check https://azure.status.microsoft)"
            + then
        )
    if kind == CONNECTION:
        return (
            f"no answer from Azure ({_reason(err)}){tried}; check the network path (proxy, DNS, firewall) "
            "or that the emulator is running, then re-run" + then
        )
    if kind == AUTHENTICATION:
        if status is None:
            return SIGN_IN
        return "the token was refused: sign in to the subscription's tenant (`az login --tenant ...`)"
    if kind == ACCESS:
        need = access or "a role that allows this operation on the resource"
        return f"the signed-in identity lacks access: you need {need} (ask an Owner to assign it)"
    return fix or "see Azure's message above; fix the cause and re-run"


def _record(err: Any) -> Any:
    from batch_infra.providers.azure_retry import record_of  # azure-core loads only when a call failed

    return record_of(err)


def _tried(record: Any) -> str:
    if record is None or record.retries <= 0:
        return ""
    return f": retried {record.retries} time{'s' if record.retries != 1 else ''} over {record.seconds:.1f} s"


def _reason(err: Any) -> str:
    from azure.core.exceptions import ServiceRequestError, ServiceResponseError

    if isinstance(err, ServiceRequestError):
        return "the connection could not be made"
    if isinstance(err, ServiceResponseError):
        return "the connection was lost or timed out before Azure answered"
    return type(err).__name__


def _code(err: Any) -> str | None:
    code = getattr(getattr(err, "error", None), "code", None)
    status = getattr(err, "status_code", None)
    return code or (str(status) if status is not None else None)


def _message(err: Any) -> str:
    text = getattr(getattr(err, "error", None), "message", None) or getattr(err, "message", None) or str(err)
    text = str(text).strip() or type(err).__name__
    return text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE] + f"... ({len(text)} characters)"
