"""The ApplicationPackage provider's Azure calls: create, upload to storageUrl, activate, read, delete."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from azure.core.exceptions import AzureError, HttpResponseError, ResourceNotFoundError

from batch_infra import packaging
from batch_infra.errors import AzureOperationError, BatchInfraError
from batch_infra.providers import azure_clients
from batch_infra.providers.app_package_rules import CONTENT_HASH_METADATA, PackageInputs, block_size

UPLOAD_CONCURRENCY = 4
# A failed request (block) is retried after 1 + 2^n s with jitter (the SDK's default starts at 15 s);
# this variable scales those waits (tests use 0.01; a slow network may want 5).
RETRY_SCALE_ENV = "BATCH_INFRA_UPLOAD_RETRY_SCALE"
UPLOAD_RETRIES = 4
Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class LivePackage:
    """A package version as Azure reports it, plus the content hash its blob was uploaded with (if any)."""

    state: str
    format: str | None
    storage_url: str
    storage_url_expiry: str | None
    last_activation_time: str | None
    content_hash: str | None
    is_default: bool
    allow_updates: bool


def _client(inputs: PackageInputs) -> Any:
    return azure_clients.batch_mgmt_client(azure_clients.Target.from_environment(inputs.subscription_id))


def _scope(inputs: PackageInputs) -> tuple[str, str, str]:
    return inputs.resource_group_name, inputs.account_name, inputs.application_name


def _azure_error(operation: str, err: HttpResponseError, fix: str | None = None) -> AzureOperationError:
    code = getattr(err.error, "code", None) if err.error is not None else None
    message = getattr(err.error, "message", None) or err.message or str(err)
    return AzureOperationError(operation, code, message, fix=fix)


def existing_names(inputs: PackageInputs) -> tuple[list[str], list[str]] | None:
    """(application ids of the account, versions of this application); None if there is no account yet."""
    client = _client(inputs)
    try:
        apps = [app.name for app in client.application.list(inputs.resource_group_name, inputs.account_name)]
    except ResourceNotFoundError:
        return None  # account (or group) created later in this same deployment: nothing to count yet
    except HttpResponseError as err:
        raise _azure_error(f"list applications of Batch account {inputs.account_name!r}", err) from err
    if inputs.application_name.lower() not in {a.lower() for a in apps}:
        return apps, []
    try:
        versions = [p.name for p in client.application_package.list(*_scope(inputs))]
    except HttpResponseError as err:
        raise _azure_error(f"list versions of application {inputs.application_name!r}", err) from err
    return apps, versions


def read_live(inputs: PackageInputs) -> LivePackage | None:
    """The package as Azure has it, or None when the version (or its application) does not exist."""
    client = _client(inputs)
    try:
        package = client.application_package.get(*_scope(inputs), inputs.version)
        app = client.application.get(*_scope(inputs))
    except ResourceNotFoundError:
        return None
    except HttpResponseError as err:
        raise _azure_error(f"read {inputs.describe()}", err) from err
    return LivePackage(
        state=getattr(package.state, "value", package.state),  # a str enum; its value is Azure's word
        format=package.format,
        storage_url=package.storage_url,
        storage_url_expiry=package.storage_url_expiry.isoformat() if package.storage_url_expiry else None,
        last_activation_time=package.last_activation_time.isoformat()
        if package.last_activation_time
        else None,
        content_hash=_uploaded_hash(package.storage_url, inputs),
        is_default=(app.default_version or "").lower() == inputs.version.lower(),
        allow_updates=bool(app.allow_updates),
    )


def _uploaded_hash(storage_url: str | None, inputs: PackageInputs) -> str | None:
    """The content hash stamped on the blob by our upload; None when there is no blob or no stamp."""
    if not storage_url:
        return None
    try:
        properties = azure_clients.blob_client_from_sas(storage_url).get_blob_properties()
    except ResourceNotFoundError:
        return None
    except HttpResponseError as err:
        raise _azure_error(
            f"read the package blob of {inputs.describe()}",
            err,
            fix="check that the Batch account's auto-storage account is reachable",
        ) from err
    return (properties.metadata or {}).get(CONTENT_HASH_METADATA)


@contextmanager
def built_package(inputs: PackageInputs) -> Iterator[packaging.BuiltPackage]:
    """The zip to upload (a temporary one for a folder); refused if the content moved since planning."""
    with tempfile.TemporaryDirectory(prefix="batch-infra-package-") as workdir:
        built = packaging.build(Path(inputs.path), Path(workdir))
        if built.content_hash != inputs.content_hash:
            raise BatchInfraError(
                f"the content of {inputs.path} changed while {inputs.describe()} was deploying "
                f"({inputs.content_hash} when planned, {built.content_hash} now)",
                fix="run `pulumi up` again once the package folder is stable",
            )
        yield built


def publish(
    inputs: PackageInputs, built: packaging.BuiltPackage, *, progress: Progress | None = None
) -> None:
    """Create (or reset) the version, upload the zip to its storageUrl and activate it as a zip."""
    client = _client(inputs)
    try:
        package = client.application_package.create(*_scope(inputs), inputs.version)
    except HttpResponseError as err:
        raise _azure_error(f"create {inputs.describe()}", err) from err
    upload(package.storage_url, built, inputs, progress=progress)
    try:
        client.application_package.activate(*_scope(inputs), inputs.version, {"format": "zip"})
    except HttpResponseError as err:
        raise _azure_error(f"activate {inputs.describe()}", err) from err


def upload(
    storage_url: str,
    built: packaging.BuiltPackage,
    inputs: PackageInputs,
    *,
    progress: Progress | None = None,
) -> None:
    """Stream the zip in parallel blocks; the blob carries the content hash so later runs can compare."""
    from azure.storage.blob import BlobType, ContentSettings

    block = block_size(built.size)
    client = azure_clients.blob_client_from_sas(
        storage_url,
        max_block_size=block,
        max_single_put_size=block,
        connection_timeout=20,
        read_timeout=120,
        retry_policy=_upload_retry(float(os.environ.get(RETRY_SCALE_ENV) or 1.0)),
    )
    try:
        with built.path.open("rb") as data:
            client.upload_blob(
                data,
                length=built.size,
                blob_type=BlobType.BLOCKBLOB,
                overwrite=True,
                metadata={CONTENT_HASH_METADATA: built.content_hash},
                content_settings=ContentSettings(content_type="application/zip"),
                max_concurrency=UPLOAD_CONCURRENCY,
                progress_hook=progress,
            )
    except HttpResponseError as err:
        raise _azure_error(
            f"upload {built.path} for {inputs.describe()}",
            err,
            fix="run `pulumi up` again; the version stays Pending until an upload completes",
        ) from err
    except (
        AzureError
    ) as err:  # the connection failed on every retry (ServiceRequestError/ServiceResponseError)
        raise AzureOperationError(
            f"upload {built.path} for {inputs.describe()}",
            None,
            str(err),
            fix="run `pulumi up` again once storage is reachable",
        ) from err


def _upload_retry(scale: float) -> Any:
    from azure.storage.blob import ExponentialRetry

    class ScaledRetry(ExponentialRetry):  # type: ignore[misc]
        def get_backoff_time(self, settings: dict[str, Any]) -> float:
            return float(super().get_backoff_time(settings)) * scale

    return ScaledRetry(initial_backoff=1, increment_base=2, retry_total=UPLOAD_RETRIES)


def set_default_version(inputs: PackageInputs) -> None:
    try:
        _client(inputs).application.update(
            *_scope(inputs), {"properties": {"defaultVersion": inputs.version}}
        )
    except HttpResponseError as err:
        raise _azure_error(
            f"make {inputs.version!r} the default version of application {inputs.application_name!r}", err
        ) from err


def delete(inputs: PackageInputs) -> None:
    """Delete the version; Azure itself clears the application's defaultVersion if it was this one."""
    try:
        _client(inputs).application_package.delete(*_scope(inputs), inputs.version)
    except ResourceNotFoundError:
        return  # already gone (deleted by hand or with its account): the goal of delete holds
    except HttpResponseError as err:
        raise _azure_error(
            f"delete {inputs.describe()}",
            err,
            fix="remove the version from the pools that still reference it, then retry",
        ) from err


def stderr_progress(label: str) -> Progress:
    """A progress hook printing every 10% to stderr (the engine shows provider stderr with -v)."""
    shown = [-1]

    def report(current: int, total: int | None) -> None:
        if not total:
            return
        tenth = current * 10 // total
        if tenth > shown[0]:
            shown[0] = tenth
            sys.stderr.write(f"{label}: {current * 100 // total}% of {total / 1e6:.1f} MB uploaded\n")

    return report
