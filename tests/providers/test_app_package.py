"""ApplicationPackage through the SDK's provider server against the emulator and Azurite (behind a proxy)."""

from __future__ import annotations

import shutil
import ssl
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from batch_infra import package_content
from batch_infra.components.packages import planned_zip_sha256
from batch_infra.providers import azure_clients
from batch_infra.providers.app_package import ApplicationPackageProvider
from batch_infra.providers.app_package_rules import PackageInputs
from batch_infra.providers.app_package_upload import RETRY_SCALE_ENV
from tests.providers.blob_proxy import BlobProxy
from tests.providers.harness import ProviderCallError, ProviderHarness

pytestmark = pytest.mark.emulator

RG, ACCOUNT, STORAGE, LOCATION = "rg-packages", "pkgacct", "pkgstore", "westeurope"
URN_TYPE = "pulumi-python:dynamic/app_package:ApplicationPackage"
SAMPLES = Path(__file__).resolve().parents[2] / "packages"
BLOCK_PUT = r"comp=block(&|$)"


@pytest.fixture(scope="module")
def proxy():
    proxy = BlobProxy().start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def provider(emulator, proxy):
    env = {
        azure_clients.EMULATOR_ENV: str(emulator.ready_file),
        azure_clients.POLLING_ENV: "0",
        RETRY_SCALE_ENV: "0.01",
        **proxy.env(),
    }
    with ProviderHarness(ApplicationPackageProvider(), urn_type=URN_TYPE, name="pkg", env=env) as harness:
        yield harness


@pytest.fixture
def account(clean_emulator, proxy):
    """A Batch account with auto-storage and applications `tools` (updates allowed) and `frozen` (not)."""
    proxy.clear()
    clean_emulator.resource_client().resource_groups.create_or_update(RG, {"location": LOCATION})
    storage = (
        clean_emulator.storage_client()
        .storage_accounts.begin_create(
            RG, STORAGE, {"location": LOCATION, "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}
        )
        .result()
    )
    mgmt = clean_emulator.batch_mgmt_client()
    mgmt.batch_account.begin_create(
        RG, ACCOUNT, {"location": LOCATION, "properties": {"autoStorage": {"storageAccountId": storage.id}}}
    ).result()
    mgmt.application.create(RG, ACCOUNT, "tools", {"properties": {"allowUpdates": True}})
    mgmt.application.create(RG, ACCOUNT, "frozen", {"properties": {"allowUpdates": False}})
    return mgmt


def package_inputs(path: Path, application: str = "tools", version: str = "1.0.0", **changes: Any) -> dict:
    inputs = {
        "subscription_id": _SUBSCRIPTION[0],
        "resource_group_name": RG,
        "account_name": ACCOUNT,
        "application_name": application,
        "version": version,
        "path": str(path),
        "content_hash": package_content.content_hash(path),
        "zip_sha256": planned_zip_sha256(path),  # as the component plans it
        "allow_updates": application != "frozen",
        "set_default": False,
    }
    return {**inputs, **changes}


_SUBSCRIPTION: list[str] = []


@pytest.fixture(autouse=True)
def _known_subscription(emulator):
    if not _SUBSCRIPTION:
        _SUBSCRIPTION.append(emulator.target.subscription_id)


def folder(tmp_path: Path, name: str = "pkg", **files: str) -> Path:
    root = tmp_path / name
    root.mkdir()
    for rel, text in (files or {"bin/tool.sh": "#!/bin/sh\necho tool\n", "README": "tools\n"}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def blob_bytes(outs: dict[str, Any]) -> bytes:
    return azure_clients.blob_client_from_sas(outs["storage_url"]).download_blob().readall()


def local_zip(path: Path, tmp_path: Path) -> bytes:
    work = tmp_path / "expected"
    work.mkdir(exist_ok=True)
    return package_content.build(path, work).path.read_bytes()


def package_calls(emulator, *methods: str) -> list[dict[str, Any]]:
    return [
        r
        for r in emulator.requests()
        if "/applications/" in r["path"] and "/versions/" in r["path"] and r["method"] in methods
    ]


def test_create_uploads_the_zip_byte_for_byte_activates_it_and_sets_the_default(account, provider, tmp_path):
    source = folder(tmp_path)
    inputs, failures = provider.check({}, package_inputs(source, set_default=True))
    assert failures == []
    id_, outs = provider.create(inputs)

    assert id_.endswith(f"/batchAccounts/{ACCOUNT}/applications/tools/versions/1.0.0")
    assert blob_bytes(outs) == local_zip(source, tmp_path)
    live = account.application_package.get(RG, ACCOUNT, "tools", "1.0.0")
    assert (live.state, live.format) == ("Active", "zip")
    assert outs["state"] == "Active" and outs["content_hash"] == inputs["content_hash"]
    assert account.application.get(RG, ACCOUNT, "tools").default_version == "1.0.0"


def test_a_given_zip_is_uploaded_as_is(account, provider, tmp_path):
    given = SAMPLES / "renderer" / "2.3.0"
    zipped = Path(shutil.make_archive(str(tmp_path / "renderer"), "zip", given))
    inputs, _ = provider.check({}, package_inputs(zipped))
    _, outs = provider.create(inputs)
    assert blob_bytes(outs) == zipped.read_bytes()


def test_a_second_run_with_unchanged_content_uploads_nothing(account, provider, proxy, emulator, tmp_path):
    source = folder(tmp_path)
    inputs, _ = provider.check({}, package_inputs(source))
    id_, outs = provider.create(inputs)
    uploaded = blob_bytes(outs)
    proxy.clear()
    emulator.clear_requests()

    again, failures = provider.check(inputs, package_inputs(source))
    assert failures == []
    assert provider.diff(id_, outs, again).changes is False
    refreshed_id, refreshed, refreshed_inputs = provider.read(id_, outs)
    program, _ = provider.check(refreshed_inputs, package_inputs(source))  # what the next `up` sends
    assert refreshed_id == id_ and provider.diff(id_, refreshed, program).changes is False
    # State lost (e.g. a failed `pulumi up` before the checkpoint): create adopts the identical version.
    assert provider.create(again)[0] == id_

    # Adoption claims the version (one metadata write, see app_package_lifecycle.delete); nothing uploads.
    assert [write for write in proxy.writes() if "comp=metadata" not in write[1]] == []
    assert package_calls(emulator, "PUT", "POST") == []
    assert blob_bytes(outs) == uploaded


def test_changed_content_without_allow_updates_fails_check_with_the_fix(account, provider, tmp_path):
    source = folder(tmp_path)
    inputs, _ = provider.check({}, package_inputs(source, application="frozen"))
    provider.create(inputs)
    (source / "README").write_text("tools, changed\n")

    _, failures = provider.check(inputs, package_inputs(source, application="frozen"))
    assert [f.property for f in failures] == ["content_hash"]
    assert "does not allow updates" in failures[0].reason
    assert "publish the new content as a new version" in failures[0].reason


def test_changed_content_with_allow_updates_reuploads_and_reactivates(account, provider, proxy, tmp_path):
    source = folder(tmp_path)
    inputs, _ = provider.check({}, package_inputs(source))
    id_, outs = provider.create(inputs)
    (source / "README").write_text("tools, changed\n")
    news, failures = provider.check(inputs, package_inputs(source))
    diff = provider.diff(id_, outs, news)
    assert failures == [] and diff.changes is True and diff.replaces == []
    proxy.clear()

    updated = provider.update(id_, outs, news)
    assert proxy.writes(), "the new content was not uploaded"
    assert blob_bytes(updated) == local_zip(source, tmp_path)
    assert updated["state"] == "Active" and updated["last_activation_time"] >= outs["last_activation_time"]
    assert updated["content_hash"] == news["content_hash"] != outs["content_hash"]


def test_an_interrupted_block_upload_is_retried(account, provider, proxy, tmp_path):
    proxy.drop("PUT", BLOCK_PUT, times=1)
    inputs, _ = provider.check({}, package_inputs(_incompressible_zip(tmp_path)))
    _, outs = provider.create(inputs)
    dropped = [entry for entry in proxy.log if entry[2] == "dropped"]
    assert len(dropped) == 1
    assert outs["state"] == "Active"
    assert blob_bytes(outs) == Path(inputs["path"]).read_bytes()


def test_an_upload_that_keeps_failing_fails_cleanly_and_the_next_run_completes(
    account, provider, proxy, tmp_path
):
    inputs, _ = provider.check({}, package_inputs(_incompressible_zip(tmp_path)))
    proxy.drop("PUT", BLOCK_PUT, times=1000)
    with pytest.raises(ProviderCallError) as failed:
        provider.create(inputs)
    assert "upload" in failed.value.details and "run `pulumi up` again" in failed.value.details
    # Nothing half-made stays behind: the version this create made is gone again.
    assert [p.name for p in account.application_package.list(RG, ACCOUNT, "tools")] == []

    proxy.clear()
    _, outs = provider.create(inputs)
    assert outs["state"] == "Active"
    assert blob_bytes(outs) == Path(inputs["path"]).read_bytes()


def test_deleting_the_default_version_clears_the_applications_default(account, provider, tmp_path):
    inputs, _ = provider.check({}, package_inputs(folder(tmp_path), set_default=True))
    id_, outs = provider.create(inputs)
    provider.delete(id_, outs)
    assert [p.name for p in account.application_package.list(RG, ACCOUNT, "tools")] == []
    assert account.application.get(RG, ACCOUNT, "tools").default_version is None
    assert provider.read(id_, outs)[0] == ""  # refresh drops it from state
    provider.delete(id_, outs)  # deleting what is already gone succeeds


def test_check_refuses_bad_ids_versions_and_paths(account, provider, tmp_path):
    bad = {
        **package_inputs(folder(tmp_path), application="no spaces", version="1/0"),
        "path": str(tmp_path / "missing"),
    }
    _, failures = provider.check({}, bad)
    reasons = {f.property: f.reason for f in failures}
    assert set(reasons) == {"application_name", "version", "path"}
    assert "not a valid application id" in reasons["application_name"]
    assert "not a valid application version" in reasons["version"]
    assert "does not exist" in reasons["path"] and "fix:" in reasons["path"]


def test_check_enforces_the_packages_per_application_limit(account, provider, tmp_path):
    for index in range(40):
        account.application_package.create(RG, ACCOUNT, "tools", f"0.{index}")
    _, failures = provider.check({}, package_inputs(folder(tmp_path), version="9.9"))
    assert [f.property for f in failures] == ["version"]
    assert "Batch's limit of 40" in failures[0].reason
    _, existing = provider.check({}, package_inputs(folder(tmp_path, "again"), version="0.3"))
    assert existing == []  # republishing an existing version adds none


def _incompressible_zip(tmp_path: Path) -> Path:
    """A 24 MiB .zip of random bytes: three 8 MiB blocks, uploaded as is."""
    import os
    import zipfile

    path = tmp_path / "random.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("random.bin", os.urandom(24 * 1024 * 1024))
    return path


def test_a_zip_changed_between_plan_and_upload_is_refused_and_nothing_is_activated(
    account, provider, proxy, emulator, tmp_path
):
    zipped = _incompressible_zip(tmp_path)
    planned, _ = provider.check({}, package_inputs(zipped))
    _incompressible_zip(tmp_path)  # the same path, other bytes: what a build step racing `pulumi up` does
    proxy.clear()
    emulator.clear_requests()

    with pytest.raises(ProviderCallError) as refused:
        provider.create(planned)
    assert f"the content of {zipped} changed" in refused.value.details
    assert planned["content_hash"] in refused.value.details
    assert "nothing was activated" in refused.value.details
    assert [entry for entry in proxy.writes() if "comp=blocklist" in entry[1]] == []  # no blob was committed
    assert [r for r in package_calls(emulator, "POST") if r["path"].endswith("/activate")] == []
    assert [p.name for p in account.application_package.list(RG, ACCOUNT, "tools")] == []


def test_a_zip_changed_since_an_older_plan_without_its_byte_hash_is_refused_too(
    account, provider, proxy, emulator, tmp_path
):
    """States written before zip_sha256 existed: the provider hashes the zip itself before uploading."""
    zipped = _incompressible_zip(tmp_path)
    planned, _ = provider.check({}, package_inputs(zipped, zip_sha256=None))
    _incompressible_zip(tmp_path)
    with pytest.raises(ProviderCallError) as refused:
        provider.create(planned)
    assert f"the content of {zipped} changed" in refused.value.details
    assert [entry for entry in proxy.writes() if "comp=blocklist" in entry[1]] == []


def test_a_zip_changed_mid_upload_is_refused_and_the_live_version_keeps_its_content(
    account, provider, monkeypatch, tmp_path
):
    from batch_infra.errors import BatchInfraError
    from batch_infra.providers import app_package_ops as ops
    from batch_infra.providers.app_package_rules import PackageInputs
    from batch_infra.providers.app_package_upload import CONCURRENCY_ENV

    zipped = _incompressible_zip(tmp_path)
    id_, outs = provider.create(provider.check({}, package_inputs(zipped))[0])
    original = zipped.read_bytes()
    planned = PackageInputs.from_props(package_inputs(_incompressible_zip(tmp_path)))

    def rewrite_the_tail(current: int, _total: int | None) -> None:
        if current == 8 * 1024 * 1024:  # block 0 is sent, block 1 read: the last bytes are still unread
            with zipped.open("r+b") as package:
                package.seek(-1, 2)
                package.write(b"\0" if package.read(1) != b"\0" else b"\1")

    monkeypatch.setenv(CONCURRENCY_ENV, "1")
    with pytest.raises(BatchInfraError) as refused, ops.built_package(planned) as built:
        ops.upload(outs["storage_url"], built, planned, progress=rewrite_the_tail)
    assert "changed while" in str(refused.value) and planned.content_hash in str(refused.value)
    assert blob_bytes(outs) == original  # the staged blocks were never committed
    assert provider.read(id_, outs)[1]["content_hash"] == outs["content_hash"]


def test_a_folder_changed_between_plan_and_upload_is_refused_before_anything_is_created(
    account, provider, emulator, tmp_path
):
    source = folder(tmp_path)
    planned, _ = provider.check({}, package_inputs(source))
    (source / "README").write_text("tools, edited during the deployment\n")
    emulator.clear_requests()

    with pytest.raises(ProviderCallError) as refused:
        provider.create(planned)
    assert f"the content of {source} changed" in refused.value.details
    assert package_calls(emulator, "POST") == []
    assert [p.name for p in account.application_package.list(RG, ACCOUNT, "tools")] == []


@pytest.mark.parametrize("set_default", [True, False])
def test_refresh_then_the_programs_inputs_show_no_change(account, provider, tmp_path, set_default):
    source = folder(tmp_path)
    id_, outs = provider.create(provider.check({}, package_inputs(source, set_default=set_default))[0])
    _, refreshed, refreshed_inputs = provider.read(id_, outs)
    program, failures = provider.check(refreshed_inputs, package_inputs(source, set_default=set_default))
    assert failures == [] and provider.diff(id_, refreshed, program).changes is False
    flipped, _ = provider.check(refreshed_inputs, package_inputs(source, set_default=not set_default))
    changed = provider.diff(id_, refreshed, flipped)
    assert changed.changes is True and changed.replaces == []  # the check can fail


def test_removing_default_version_clears_it_in_azure_and_refresh_then_shows_no_change(
    account, provider, tmp_path
):
    source = folder(tmp_path)
    inputs, _ = provider.check({}, package_inputs(source, set_default=True))
    id_, outs = provider.create(inputs)
    news, _ = provider.check(inputs, package_inputs(source, set_default=False))
    updated = provider.update(id_, outs, news)
    assert account.application.get(RG, ACCOUNT, "tools").default_version is None
    _, refreshed, refreshed_inputs = provider.read(id_, updated)
    program, _ = provider.check(refreshed_inputs, package_inputs(source, set_default=False))
    assert provider.diff(id_, refreshed, program).changes is False


def test_clearing_the_default_leaves_another_versions_default_alone(account, provider, tmp_path):
    source = folder(tmp_path)
    one, _ = provider.check({}, package_inputs(source, version="1.0", set_default=True))
    id1, outs1 = provider.create(one)
    provider.create(provider.check({}, package_inputs(source, version="2.0", set_default=True))[0])
    news, _ = provider.check(one, package_inputs(source, version="1.0", set_default=False))
    provider.update(id1, outs1, news)
    assert account.application.get(RG, ACCOUNT, "tools").default_version == "2.0"


def test_a_case_only_change_of_application_or_version_is_no_change(account, provider, tmp_path):
    source = folder(tmp_path)
    inputs, _ = provider.check({}, package_inputs(source, version="1.0.0-rc"))
    id_, outs = provider.create(inputs)
    for changes in ({"application": "Tools"}, {"version": "1.0.0-RC"}):
        news, failures = provider.check(inputs, package_inputs(source, **{"version": "1.0.0-rc", **changes}))
        assert failures == [] and provider.diff(id_, outs, news).changes is False
    assert [p.name for p in account.application_package.list(RG, ACCOUNT, "tools")] == ["1.0.0-rc"]


def test_a_failed_content_update_keeps_the_version_active_and_the_next_run_completes(
    account, provider, proxy, emulator, tmp_path
):
    zipped = _incompressible_zip(tmp_path)
    inputs, _ = provider.check({}, package_inputs(zipped))
    id_, outs = provider.create(inputs)
    old_blob = blob_bytes(outs)
    _incompressible_zip(tmp_path)
    news, _ = provider.check(inputs, package_inputs(zipped))
    proxy.drop("PUT", BLOCK_PUT, times=1000)
    emulator.clear_requests()
    with pytest.raises(ProviderCallError):
        provider.update(id_, outs, news)
    assert package_calls(emulator, "PUT") == []  # the version was never reset to Pending
    assert account.application_package.get(RG, ACCOUNT, "tools", "1.0.0").state == "Active"
    assert blob_bytes(outs) == old_blob

    proxy.clear()
    _, refreshed, refreshed_inputs = provider.read(id_, outs)
    program, failures = provider.check(refreshed_inputs, package_inputs(zipped))
    assert failures == [] and provider.diff(id_, refreshed, program).changes is True
    updated = provider.update(id_, refreshed, program)
    assert updated["state"] == "Active" and blob_bytes(updated) == zipped.read_bytes()


def test_a_pending_version_without_allow_updates_is_published_not_refused(account, provider, tmp_path):
    source = folder(tmp_path)
    program = package_inputs(source, application="frozen")
    account.application_package.create(RG, ACCOUNT, "frozen", "1.0.0")  # a run that died before activate
    id_ = PackageInputs.from_props(program).resource_id()
    provider.record(id_, program, program)  # the state that run left: its inputs, nothing from Azure
    _, refreshed, refreshed_inputs = provider.read(id_, program)
    assert refreshed_inputs["content_hash"] == ""  # nothing Active was published
    news, failures = provider.check(refreshed_inputs, program)
    assert failures == []
    updated = provider.update(id_, refreshed, news)
    assert updated["state"] == "Active" and updated["content_hash"] == program["content_hash"]


def test_the_40_package_limit_counts_the_stacks_new_versions(account, provider, tmp_path):
    for index in range(38):
        account.application_package.create(RG, ACCOUNT, "tools", f"0.{index}")
    source = folder(tmp_path)
    siblings = ["9.1", "9.2", "9.3"]
    failures = [
        provider.check({}, package_inputs(source, version=v, sibling_versions=siblings))[1] for v in siblings
    ]
    assert all([f.property for f in found] == ["version"] for found in failures)
    assert "41 package versions (38 in Azure, 3 new in this stack: 9.1, 9.2, 9.3)" in failures[0][0].reason
    two = ["9.1", "9.2"]
    assert provider.check({}, package_inputs(source, version="9.1", sibling_versions=two))[1] == []


def test_storage_url_is_declared_a_secret_output():
    import pulumi

    from batch_infra.providers.app_package import ApplicationPackage

    captured: list[pulumi.ResourceOptions] = []

    def record(self, provider, name, props, opts=None):
        captured.append(opts)

    original = pulumi.dynamic.Resource.__init__
    pulumi.dynamic.Resource.__init__ = record
    try:
        ApplicationPackage("pkg", {}, pulumi.ResourceOptions(protect=True))
    finally:
        pulumi.dynamic.Resource.__init__ = original
    assert captured[0].additional_secret_outputs == ["storage_url"] and captured[0].protect is True


def test_up_replace_deletes_the_old_version_first_so_the_new_one_exists(account, provider, tmp_path, planned):
    """`pulumi up --replace` skips Diff; only the resource option orders the delete first (issue 11, 4)."""
    (option,) = {r.delete_before_replace for r in planned("prod").resources if r.type == URN_TYPE}
    program = package_inputs(folder(tmp_path), set_default=True)
    first = provider.up(program)
    replaced = provider.up(program, first.state, replace=True, delete_before_replace=option)
    assert provider.refresh(replaced.state) is not None  # the checkpoint's version is Azure's version
    live = account.application_package.get(RG, ACCOUNT, "tools", "1.0.0")
    assert live.state == "Active" and account.application.get(RG, ACCOUNT, "tools").default_version == "1.0.0"
    assert replaced.calls == ["Check", "Check", "Delete", "Create"]


@pytest.mark.parametrize("content", ["folder", "blocks"])
def test_managed_identity_storage_gets_a_bare_url_and_the_upload_authenticates_with_entra(
    account, provider, emulator, emulator_env, tmp_path, content
):
    """autoStorage by managed identity: Azure's storageUrl carries no SAS (issue 11, 7); the upload sends
    the deploying identity's bearer token, which the emulator's blob endpoint checks (one Put Blob for a
    small package; staged blocks and a block list for a 24 MiB one)."""
    storage_id = account.batch_account.get(RG, ACCOUNT).auto_storage.storage_account_id
    mode = {"storageAccountId": storage_id, "authenticationMode": "BatchAccountManagedIdentity"}
    account.batch_account.update(RG, ACCOUNT, {"properties": {"autoStorage": mode}})
    source = folder(tmp_path) if content == "folder" else _incompressible_zip(tmp_path)
    created = provider.up(package_inputs(source, set_default=True))
    url = created.state.outputs["storage_url"]
    assert "sig=" not in url and url.startswith(emulator.info["arm_endpoint"] + "/blob/")
    assert account.application_package.get(RG, ACCOUNT, "tools", "1.0.0").state == "Active"
    expected = local_zip(source, tmp_path) if content == "folder" else source.read_bytes()
    assert blob_bytes(created.state.outputs) == expected  # read back with the token
    anonymous = urllib.request.Request(url, method="GET")
    context = ssl.create_default_context(cafile=emulator.info["ca_bundle"])
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(anonymous, context=context)
    assert refused.value.code == 401
    assert refused.value.headers["x-ms-error-code"] == "NoAuthenticationInformation"


def test_a_create_first_replace_cannot_delete_the_version_its_create_adopted(account, provider, tmp_path):
    """Without delete-before-replace (a URN change without alias does the same), the engine creates the new
    resource first, which adopts the live version, then deletes the old one: the claim stops that delete."""
    program = package_inputs(folder(tmp_path))
    first = provider.up(program)
    replaced = provider.up(program, first.state, replace=True, delete_before_replace=False)
    assert replaced.calls == ["Check", "Check", "Create", "Delete"]
    assert account.application_package.get(RG, ACCOUNT, "tools", "1.0.0").state == "Active"
    assert replaced.state.outputs["claim"] != first.state.outputs["claim"]
    provider.destroy(replaced.state)  # the resource holding the claim does delete it
    assert provider.refresh(replaced.state) is None
