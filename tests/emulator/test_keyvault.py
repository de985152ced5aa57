"""The emulator's Key Vault secrets API via azure-keyvault-secrets: challenge auth, versions, tags, errors."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from batch_infra.ops.key_sinks import secret_client

pytestmark = pytest.mark.emulator


@pytest.fixture
def secrets(clean_emulator):
    return secret_client(clean_emulator.target, clean_emulator.target.arm_endpoint)


def test_versions_tags_and_latest(secrets, clean_emulator):
    first = secrets.set_secret("batch-key", "one", tags={"key-name": "primary"}, content_type="text/plain")
    second = secrets.set_secret("batch-key", "two")

    assert first.properties.version != second.properties.version and len(second.properties.version) == 32
    assert second.id == f"{clean_emulator.target.arm_endpoint}/secrets/batch-key/{second.properties.version}"
    assert secrets.get_secret("batch-key").value == "two"
    older = secrets.get_secret("BATCH-KEY", first.properties.version)  # names are case-insensitive
    assert (older.value, older.properties.tags, older.properties.content_type) == (
        "one",
        {"key-name": "primary"},
        "text/plain",
    )
    updated = secrets.update_secret_properties("batch-key", second.properties.version, tags={"phase": "done"})
    assert updated.tags == {"phase": "done"}
    assert secrets.get_secret("batch-key").properties.tags == {"phase": "done"}
    versions = {p.version for p in secrets.list_properties_of_secret_versions("batch-key")}
    assert versions == {first.properties.version, second.properties.version}


def test_errors_are_key_vaults(secrets):
    with pytest.raises(ResourceNotFoundError) as missing:
        secrets.get_secret("absent")
    assert missing.value.error.code == "SecretNotFound"
    with pytest.raises(HttpResponseError) as bad_name:
        secrets.set_secret("bad_name", "x")
    assert (bad_name.value.status_code, bad_name.value.error.code) == (400, "BadParameter")
    with pytest.raises(HttpResponseError) as too_many:
        secrets.set_secret("tagged", "x", tags={f"t{i}": "v" for i in range(16)})
    assert too_many.value.status_code == 400
    secrets.set_secret("off", "x", enabled=False)
    with pytest.raises(HttpResponseError) as disabled:
        secrets.get_secret("off")
    assert disabled.value.status_code == 403


def test_an_unauthenticated_request_gets_the_key_vault_challenge(clean_emulator):
    info = clean_emulator.info
    request = urllib.request.Request(info["arm_endpoint"] + "/secrets/x?api-version=7.5")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(
            request, context=ssl.create_default_context(cafile=info["ca_bundle"]), timeout=10
        )
    challenge = refused.value.headers["WWW-Authenticate"]
    assert refused.value.code == 401
    assert f"login.microsoftonline.com/{info['tenant_id']}" in challenge
    assert 'resource="https://vault.azure.net"' in challenge
    assert json.loads(refused.value.read())["error"]["code"] == "Unauthorized"
