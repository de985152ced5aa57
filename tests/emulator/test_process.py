"""The emulator as a process: ready file, persistence across restarts with --state, Azurite SAS uploads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from batch_infra.emulator.azurite import Azurite
from batch_infra.providers.azure_clients import EMULATOR_ENV, Target, blob_client_from_sas
from tests.fixtures.emulator import EmulatorProcess

pytestmark = pytest.mark.emulator


def test_ready_file_names_every_endpoint(emulator):
    info = json.loads(emulator.ready_file.read_text())
    assert {
        "arm_endpoint",
        "ca_bundle",
        "token",
        "subscription_id",
        "tenant_id",
        "blob_endpoint",
        "admin_endpoint",
    } <= set(info)
    assert info["arm_endpoint"].startswith("https://127.0.0.1:")
    assert info["admin_endpoint"] == info["arm_endpoint"] + "/admin"
    assert info["blob_endpoint"].startswith("http://127.0.0.1:")


def test_target_from_environment_uses_the_ready_file(emulator_env):
    target = Target.from_environment()
    assert target.is_emulator and target.polling_interval == 0
    assert target.arm_endpoint == emulator_env.info["arm_endpoint"]


def test_target_without_emulator_or_subscription_says_what_to_set(monkeypatch):
    monkeypatch.delenv(EMULATOR_ENV, raising=False)
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID", raising=False)
    with pytest.raises(Exception, match="AZURE_SUBSCRIPTION_ID"):
        Target.from_environment()


def test_state_survives_a_restart(tmp_path):
    state = tmp_path / "emulator.db"
    first = EmulatorProcess(tmp_path / "run", state=state).start()
    try:
        first.resource_client().resource_groups.create_or_update("rg-keep", {"location": "westeurope"})
        storage = first.storage_client()
        storage.storage_accounts.begin_create(
            "rg-keep", "stkeep", {"location": "westeurope", "sku": {"name": "Standard_LRS"}}
        ).result()
        keys = [k.value for k in storage.storage_accounts.list_keys("rg-keep", "stkeep").keys]
        subscription = first.info["subscription_id"]
    finally:
        first.stop()
    assert not first.ready_file.exists()
    second = EmulatorProcess(tmp_path / "run", state=state).start()
    try:
        assert second.info["subscription_id"] == subscription
        assert second.resource_client().resource_groups.get("rg-keep").location == "westeurope"
        again = second.storage_client().storage_accounts
        assert again.get_properties("rg-keep", "stkeep").provisioning_state == "Succeeded"
        assert [k.value for k in again.list_keys("rg-keep", "stkeep").keys] == keys
    finally:
        second.stop()


def test_sas_upload_goes_straight_to_azurite(tmp_path):
    azurite = Azurite(tmp_path / "azurite")
    blob = azurite.start()
    try:
        blob.ensure_container("stbatch", "app-demo")
        blob.ensure_container("stbatch", "app-demo")  # idempotent
        expiry = datetime.now(UTC) + timedelta(hours=1)
        url = blob.sas_url("stbatch", "app-demo", "demo/1.0.zip", permission="rcw", expiry=expiry)
        assert not blob.blob_exists("stbatch", "app-demo", "demo/1.0.zip")
        blob_client_from_sas(url).upload_blob(b"PK\x05\x06" + bytes(18))
        assert blob.blob_exists("stbatch", "app-demo", "demo/1.0.zip")
        with pytest.raises(Exception, match="not a valid container name"):
            blob.sas_url("stbatch", "Bad--Name", None, permission="r", expiry=expiry)
    finally:
        azurite.stop()
