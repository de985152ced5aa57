"""The ApplicationPackage provider's Azure calls: create, upload to storageUrl, activate, read, delete."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from azure.core.exceptions import AzureError, ResourceNotFoundError

from batch_infra import package_content
from batch_infra.errors import AzureOperationError
from batch_infra.providers import app_package_upload as uploading
from batch_infra.providers import azure_clients
from batch_infra.providers.app_package_rules import CLAIM_METADATA, CONTENT_HASH_METADATA, PackageInputs
from batch_infra.providers.app_package_upload import Progress
from batch_infra.providers.azure_failures import azure_failure

stderr_progress = uploading.stderr_progress


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
    claim: str | None = None  # which resource of a stack last created or adopted it (blob metadata)


def _client(inputs: PackageInputs) -> Any:
    return azure_clients.batch_mgmt_client(azure_clients.Target.from_environment(inputs.subscription_id))


def _scope(inputs: PackageInputs) -> tuple[str, str, str]:
    return inputs.resource_group_name, inputs.account_name, inputs.application_name


PACKAGE_ACCESS = "Contributor (or Azure Batch Account Contributor) on the Batch account"


def _azure_error(operation: str, err: AzureError, fix: str | None = None) -> AzureOperationError:
    """Any azure-core failure (an answer or none) with the fix its cause calls for (azure_failures)."""
    return azure_failure(operation, err, access=PACKAGE_ACCESS, fix=fix)


def existing_names(inputs: PackageInputs) -> tuple[list[str], list[str]] | None:
    """(application ids of the account, versions of this application); None if there is no account yet."""
    client = _client(inputs)
    try:
        apps = [app.name for app in client.application.list(inputs.resource_group_name, inputs.account_name)]
    except ResourceNotFoundError:
        return None  # account (or group) created later in this same deployment: nothing to count yet
    except AzureError as err:
        raise _azure_error(f"list applications of Batch account {inputs.account_name!r}", err) from err
    if inputs.application_name.lower() not in {a.lower() for a in apps}:
        return apps, []
    try:
        versions = [p.name for p in client.application_package.list(*_scope(inputs))]
    except AzureError as err:
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
    except AzureError as err:
        raise _azure_error(f"read {inputs.describe()}", err) from err
    metadata = _blob_metadata(package.storage_url, inputs)
    return LivePackage(
        state=getattr(package.state, "value", package.state),  # a str enum; its value is Azure's word
        format=package.format,
        storage_url=package.storage_url,
        storage_url_expiry=package.storage_url_expiry.isoformat() if package.storage_url_expiry else None,
        last_activation_time=package.last_activation_time.isoformat()
        if package.last_activation_time
        else None,
        content_hash=metadata.get(CONTENT_HASH_METADATA),
        is_default=(app.default_version or "").lower() == inputs.version.lower(),
        allow_updates=bool(app.allow_updates),
        claim=metadata.get(CLAIM_METADATA),
    )


def stamp_claim(inputs: PackageInputs, claim: str) -> None:
    """Mark the published blob as this resource's (see app_package_lifecycle.delete for why)."""
    live = read_live(inputs)
    if live is None or not live.storage_url:
        return
    stamp = {CONTENT_HASH_METADATA: live.content_hash or "", CLAIM_METADATA: claim}
    try:
        azure_clients.blob_client_from_sas(live.storage_url).set_blob_metadata(stamp)
    except AzureError as err:
        raise _azure_error(f"mark the package blob of {inputs.describe()}", err) from err


def _blob_metadata(storage_url: str | None, inputs: PackageInputs) -> dict[str, str]:
    """The metadata our upload stamped on the blob (content hash, claim); {} when there is no blob."""
    if not storage_url:
        return {}
    try:
        properties = azure_clients.blob_client_from_sas(storage_url).get_blob_properties()
    except ResourceNotFoundError:
        return {}
    except AzureError as err:
        raise _azure_error(
            f"read the package blob of {inputs.describe()}",
            err,
            fix="check that the Batch account's auto-storage account is reachable",
        ) from err
    return dict(properties.metadata or {})


@contextmanager
def built_package(inputs: PackageInputs) -> Iterator[package_content.BuiltPackage]:
    """The zip to upload, its content checked against the plan without an extra read of the package.

    A folder is zipped (to a temporary file) and hashed in the same pass, and refused here if its content
    moved since planning. A given .zip has its members hashed here and refused likewise; the upload then
    hashes the bytes it sends and refuses to commit them if they are not the bytes hashed here.
    """
    source = package_content.check_source(Path(inputs.path))
    if package_content.is_zip_source(source) and inputs.zip_sha256:
        # The program hashed these bytes' members when it planned; the upload verifies the bytes it sends.
        yield package_content.BuiltPackage(
            source, source.stat().st_size, inputs.content_hash, expected_sha256=inputs.zip_sha256
        )
        return
    if package_content.is_zip_source(source):
        built, now = package_content.given_zip(source, inputs.content_hash)
        if now != inputs.content_hash:
            raise uploading.content_moved(inputs.path, inputs.describe(), inputs.content_hash, now)
        yield built
        return
    with tempfile.TemporaryDirectory(prefix="batch-infra-package-") as workdir:
        built = package_content.zip_folder(source, Path(workdir))
        if built.content_hash != inputs.content_hash:
            raise uploading.content_moved(
                inputs.path, inputs.describe(), inputs.content_hash, built.content_hash
            )
        yield built


def publish(
    inputs: PackageInputs,
    built: package_content.BuiltPackage,
    *,
    live: LivePackage | None = None,
    progress: Progress | None = None,
) -> None:
    """Create (or reset) the version, upload the zip to its storageUrl and activate it as a zip.

    ApplicationPackage_Create on an existing version sets it Pending (as the emulator does; see
    models/applications.py) so for a `live` version the blocks are staged to its current storageUrl
    first and the PUT comes only after them: the version is Pending just for the commit and the activate,
    and a failed upload leaves it Active with its old content.
    """
    client = _client(inputs)

    def create() -> str:
        try:
            return str(client.application_package.create(*_scope(inputs), inputs.version).storage_url)
        except AzureError as err:
            raise _azure_error(f"create {inputs.describe()}", err) from err

    if live is not None and live.storage_url:
        upload(live.storage_url, built, inputs, progress=progress, before_commit=create)
    else:
        upload(create(), built, inputs, progress=progress)
    try:
        client.application_package.activate(*_scope(inputs), inputs.version, {"format": "zip"})
    except AzureError as err:
        raise _azure_error(f"activate {inputs.describe()}", err) from err


def upload(
    storage_url: str,
    built: package_content.BuiltPackage,
    inputs: PackageInputs,
    *,
    progress: Progress | None = None,
    before_commit: uploading.BeforeCommit | None = None,
) -> None:
    """Upload the zip (app_package_upload), turning storage failures into errors that say what to do."""
    try:
        uploading.upload_zip(storage_url, built, inputs.describe(), progress, before_commit=before_commit)
    except AzureError as err:
        raise _azure_error(
            f"upload {built.path} for {inputs.describe()}",
            err,
            fix="run `pulumi up` again; a new version stays Pending (an updated one keeps its old content) "
            "until an upload completes",
        ) from err


def set_default_version(inputs: PackageInputs) -> None:
    try:
        _client(inputs).application.update(
            *_scope(inputs), {"properties": {"defaultVersion": inputs.version}}
        )
    except AzureError as err:
        raise _azure_error(
            f"make {inputs.version!r} the default version of application {inputs.application_name!r}", err
        ) from err


def clear_default_version(inputs: PackageInputs) -> None:
    """Clear the application's defaultVersion if it is still this version; never undo another's set.

    Application_Update declares no If-Match (2025-06-01 spec), so Azure cannot be relied on to refuse a stale
    PATCH; the ordering guarantees it instead: the component creates the package that sets an application's
    default after all its siblings, so a sibling's clear always runs before the new default is set.
    Azure takes a null defaultVersion as "no default".
    """
    client = _client(inputs)
    what = f"clear the default version {inputs.version!r} of application {inputs.application_name!r}"
    try:
        app = client.application.get(*_scope(inputs))
        if (app.default_version or "").lower() != inputs.version.lower():
            return  # another version is the default now: not ours to clear
        client.application.update(
            *_scope(inputs), {"properties": {"defaultVersion": None}}
        )
    except AzureError as err:
        raise _azure_error(what, err, fix="run `pulumi up` again") from err


def delete(inputs: PackageInputs) -> None:
    """Delete the version; Azure itself clears the application's defaultVersion if it was this one.

    It cannot remove a package another live resource adopted: two resources of one stack never name the
    same version, because config refuses versions that differ only in case and child names and the diff
    fold case (a case-only edit is no change, not a replacement that deletes what it just adopted).
    """
    try:
        _client(inputs).application_package.delete(*_scope(inputs), inputs.version)
    except ResourceNotFoundError:
        return  # already gone (deleted by hand or with its account): the goal of delete holds
    except AzureError as err:
        raise _azure_error(
            f"delete {inputs.describe()}",
            err,
            fix="remove the version from the pools that still reference it, then retry",
        ) from err
