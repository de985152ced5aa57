"""x-ms-secret properties: accepted and kept on PUT/PATCH, never returned, found from the spec's own flags."""

from __future__ import annotations

import copy
import json

import pytest

from batch_infra.emulator import redaction, specs
from tests.emulator.batch.helpers import RG, make_account, pool_body, raw
from tests.emulator.spec_schema import BATCH_DATA_SPEC, BATCH_MGMT_SPEC, SPECS_ROOT

PASSWORD, SSH_KEY, PROTECTED = "S3cret-pass!", "-----BEGIN OPENSSH PRIVATE KEY-----", {"token": "t0p"}
VM = "properties.deploymentConfiguration.virtualMachineConfiguration"


def _flagged(spec: dict) -> set[str]:
    """Every property name the spec marks x-ms-secret, read straight from the JSON."""
    return {
        prop
        for definition in spec["definitions"].values()
        for prop, schema in (definition.get("properties") or {}).items()
        if schema.get("x-ms-secret")
    }


def _leaves(paths: list[str]) -> set[str]:
    return {p.rsplit(".", 1)[-1] for p in paths}


@pytest.mark.parametrize(
    ("vendored", "reference"), [(specs.BATCH_MGMT, BATCH_MGMT_SPEC), (specs.BATCH_DATA, BATCH_DATA_SPEC)]
)
def test_vendored_specs_are_the_reference_extracts(vendored, reference):
    source = SPECS_ROOT / reference
    if not source.exists():
        pytest.skip(f"reference specs not on this machine ({source})")
    assert specs.load(vendored) == json.loads(source.read_text(encoding="utf-8"))


def test_every_flagged_property_is_found_under_the_pool_and_nothing_else_we_serve():
    mgmt = redaction.for_spec(specs.BATCH_MGMT)
    pool = mgmt.paths("Pool")
    assert _leaves(pool) == _flagged(specs.load(specs.BATCH_MGMT))
    assert "properties.userAccounts[].password" in pool
    assert f"{VM}.extensions[].protectedSettings" in pool
    assert "properties.mountConfiguration[].azureBlobFileSystemConfiguration.sasKey" in pool
    assert mgmt.paths("ListPoolsResult") == [f"value[].{p}" for p in pool]
    # The other resources the emulator serves carry no secrets today; if the spec changes, wire them up.
    for served in ("BatchAccount", "BatchAccountListResult", "Application", "ApplicationPackage"):
        assert mgmt.paths(served) == [], served
    data = redaction.for_spec(specs.BATCH_DATA)
    assert _leaves(data.paths("BatchPool")) == _flagged(specs.load(specs.BATCH_DATA))
    # The data-plane spec does not flag VMExtension.protectedSettings; its own flags decide there.
    assert not any("protectedSettings" in p for p in data.paths("BatchPool"))


def test_strip_copies_and_leaves_the_stored_body_intact():
    mgmt = redaction.for_spec(specs.BATCH_MGMT)
    stored = pool_body(
        userAccounts=[
            {
                "name": "a",
                "password": PASSWORD,
                "linuxUserConfiguration": {"uid": 5, "sshPrivateKey": SSH_KEY},
            },
            {"name": "b", "password": PASSWORD},
        ]
    )
    before = copy.deepcopy(stored)
    shown = mgmt.strip(stored, "Pool")
    assert stored == before
    assert shown["properties"]["userAccounts"] == [
        {"name": "a", "linuxUserConfiguration": {"uid": 5}},
        {"name": "b"},
    ]
    assert shown["properties"]["vmSize"] == stored["properties"]["vmSize"]
    with pytest.raises(KeyError, match="no definition 'Pol'"):
        mgmt.strip(stored, "Pol")


@pytest.fixture
def batch(clean_emulator):
    clean_emulator.settings(allocation_delay_seconds=60)
    make_account(clean_emulator)
    return clean_emulator.batch_mgmt_client()


def _secret_pool() -> dict:
    body = pool_body(
        dedicated=0,
        userAccounts=[
            {
                "name": "ops",
                "password": PASSWORD,
                "elevationLevel": "Admin",
                "linuxUserConfiguration": {"uid": 1001, "sshPrivateKey": SSH_KEY},
            }
        ],
    )
    body["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"] = [
        {
            "name": "monitor",
            "publisher": "Microsoft.Azure.Monitor",
            "type": "AzureMonitorLinuxAgent",
            "typeHandlerVersion": "1.0",
            "settings": {"mode": "on"},
            "protectedSettings": PROTECTED,
        }
    ]
    return body


def _assert_no_secrets(body: dict) -> None:
    text = json.dumps(body)
    assert PASSWORD not in text and SSH_KEY not in text and "t0p" not in text
    assert "password" not in text and "sshPrivateKey" not in text and "protectedSettings" not in text


def test_management_never_returns_pool_secrets_but_keeps_them(batch):
    created = batch.pool.create(RG, "batchacct", "p1", _secret_pool())
    user = created.user_accounts[0]
    assert (user.name, user.password, user.linux_user_configuration.ssh_private_key) == ("ops", None, None)
    extension = created.deployment_configuration.virtual_machine_configuration.extensions[0]
    assert (extension.settings, extension.protected_settings) == ({"mode": "on"}, None)
    _assert_no_secrets(raw(batch, "GET", created.id).json())
    _assert_no_secrets(raw(batch, "GET", created.id.rsplit("/", 1)[0]).json())
    patched = raw(batch, "PATCH", created.id, {"properties": {"metadata": [{"name": "k", "value": "v"}]}})
    _assert_no_secrets(patched.json())
    # Azure keeps what it does not show: the user and the extension survive an unrelated PATCH.
    kept = batch.pool.get(RG, "batchacct", "p1")
    assert kept.user_accounts[0].linux_user_configuration.uid == 1001
    assert kept.deployment_configuration.virtual_machine_configuration.extensions[0].name == "monitor"
    assert kept.metadata[0].value == "v"


def test_data_plane_shows_the_user_without_password_or_private_key(batch, clean_emulator):
    batch.pool.create(RG, "batchacct", "p1", _secret_pool())
    account = batch.batch_account.get(RG, "batchacct")
    keys = batch.batch_account.get_keys(RG, "batchacct")
    data = clean_emulator.batch_data_client(account.account_endpoint, keys.primary)
    pool = data.get_pool("p1")
    user = pool.user_accounts[0]
    assert (user.name, user.elevation_level, user.linux_user_configuration.uid) == ("ops", "admin", 1001)
    assert (user.password, user.linux_user_configuration.ssh_private_key) == (None, None)
    _assert_no_secrets([p.as_dict() for p in data.list_pools()])
