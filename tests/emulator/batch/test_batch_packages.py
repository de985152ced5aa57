"""Applications and packages via azure-mgmt-batch, uploaded via SAS storageUrl + azure-storage-blob."""

from __future__ import annotations

import json

import pytest
from azure.core.exceptions import HttpResponseError
from azure.storage.blob import BlobClient

from tests.emulator.batch.helpers import RG, make_account, needs_storage, raw
from tests.emulator.spec_schema import BATCH_MGMT_SPEC, SPECS_ROOT, assert_matches_spec

pytestmark = [pytest.mark.emulator, needs_storage]


@pytest.fixture
def batch(clean_emulator):
    make_account(clean_emulator, storage="autostore1")
    return clean_emulator.batch_mgmt_client()


def test_package_pending_upload_activate_and_default_version(batch, clean_emulator):
    batch.application.create(RG, "batchacct", "tool", {"properties": {"allowUpdates": False}})
    package = batch.application_package.create(RG, "batchacct", "tool", "1.0")
    assert package.state == "Pending" and package.storage_url_expiry is not None
    assert_matches_spec(raw(batch, "GET", package.id).json(), BATCH_MGMT_SPEC, "ApplicationPackage")
    with pytest.raises(HttpResponseError) as early:
        batch.application_package.activate(RG, "batchacct", "tool", "1.0", {"format": "zip"})
    assert (early.value.status_code, early.value.error.code) == (409, "ApplicationPackageBlobNotFound")
    BlobClient.from_blob_url(
        package.storage_url, connection_verify=clean_emulator.info["ca_bundle"]
    ).upload_blob(b"PK\x05\x06" + b"\x00" * 18, overwrite=True)
    active = batch.application_package.activate(RG, "batchacct", "tool", "1.0", {"format": "zip"})
    assert (active.state, active.format) == ("Active", "zip") and active.last_activation_time is not None
    with pytest.raises(HttpResponseError) as locked:
        batch.application_package.create(RG, "batchacct", "tool", "1.0")
    assert locked.value.status_code == 409
    app = batch.application.update(RG, "batchacct", "tool", {"properties": {"defaultVersion": "1.0"}})
    assert app.default_version == "1.0"
    batch.application_package.delete(RG, "batchacct", "tool", "1.0")
    assert batch.application.get(RG, "batchacct", "tool").default_version is None


def test_default_version_must_be_active_and_applications_with_packages_stay(batch):
    batch.application.create(RG, "batchacct", "tool")
    batch.application_package.create(RG, "batchacct", "tool", "2.0")
    with pytest.raises(HttpResponseError) as inactive:
        batch.application.update(RG, "batchacct", "tool", {"properties": {"defaultVersion": "2.0"}})
    assert inactive.value.error.code == "RequestedDefaultVersionNotActive"
    with pytest.raises(HttpResponseError) as not_empty:
        batch.application.delete(RG, "batchacct", "tool")
    assert not_empty.value.error.code == "ApplicationPackagesNotEmpty"


def _upload_and_activate(batch, clean_emulator, version: str = "1.0") -> None:
    package = batch.application_package.create(RG, "batchacct", "tool", version)
    BlobClient.from_blob_url(package.storage_url).upload_blob(b"PK\x05\x06" + b"\x00" * 18, overwrite=True)
    batch.application_package.activate(RG, "batchacct", "tool", version, {"format": "zip"})


def test_reset_deletes_uploaded_blobs(batch, clean_emulator):
    batch.application.create(RG, "batchacct", "tool")
    _upload_and_activate(batch, clean_emulator)
    clean_emulator.reset()
    batch = clean_emulator.batch_mgmt_client()
    make_account(clean_emulator, storage="autostore1")  # the same names, so the same blob location
    batch.application.create(RG, "batchacct", "tool")
    batch.application_package.create(RG, "batchacct", "tool", "1.0")
    with pytest.raises(HttpResponseError) as refused:
        batch.application_package.activate(RG, "batchacct", "tool", "1.0", {"format": "zip"})
    assert (refused.value.status_code, refused.value.error.code) == (409, "ApplicationPackageBlobNotFound")


def test_deleting_the_storage_account_deletes_its_blobs(batch, clean_emulator):
    batch.application.create(RG, "batchacct", "tool")
    _upload_and_activate(batch, clean_emulator)
    storage = clean_emulator.storage_client().storage_accounts
    storage.delete(RG, "autostore1")
    storage.begin_create(
        RG, "autostore1", {"location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}
    ).result()
    batch.batch_account.synchronize_auto_storage_keys(RG, "batchacct")  # the new account has new keys
    batch.application_package.create(RG, "batchacct", "tool", "1.0")  # allowUpdates: back to Pending
    with pytest.raises(HttpResponseError) as refused:
        batch.application_package.activate(RG, "batchacct", "tool", "1.0", {"format": "zip"})
    assert refused.value.error.code == "ApplicationPackageBlobNotFound"


def _header_parameters(operation_id: str) -> set[str]:
    spec = json.loads((SPECS_ROOT / BATCH_MGMT_SPEC).read_text())
    for path in spec["paths"].values():
        for operation in path.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return {p["name"].lower() for p in operation["parameters"] if p.get("in") == "header"}
    raise AssertionError(f"{operation_id} is not in the spec extract")


def test_application_patch_ignores_if_match_as_the_spec_declares_none(batch, clean_emulator):
    # Pool_Update declares If-Match (the emulator answers 412 there); Application_Update declares no
    # header, so Azure has no precondition to apply and neither does the emulator (see ERRORS.md).
    assert "if-match" in _header_parameters("Pool_Update")
    assert "if-match" not in _header_parameters("Application_Update")
    batch.application.create(RG, "batchacct", "tool")
    _upload_and_activate(batch, clean_emulator)
    app = batch.application.update(RG, "batchacct", "tool", {"properties": {"defaultVersion": "1.0"}})
    stale = 'W/"0x8D000000000000000"'
    assert stale != app.etag
    cleared = batch.application.update(
        RG, "batchacct", "tool", {"properties": {"defaultVersion": None}}, headers={"If-Match": stale}
    )
    assert cleared.default_version is None and cleared.etag != app.etag
