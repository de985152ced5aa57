"""Each credential source -> which azure.identity class with which arguments (azure-native's order)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from batch_infra.errors import BatchInfraError
from batch_infra.providers.sign_in import TOKEN_EXCHANGE_AUDIENCE, resolve

SP = {
    "ARM_CLIENT_ID": "11111111-1111-1111-1111-111111111111",
    "ARM_TENANT_ID": "22222222-2222-2222-2222-222222222222",
    "ARM_SUBSCRIPTION_ID": "33333333-3333-3333-3333-333333333333",
}
SECRET = "arm-client-secret-value"


def test_nothing_configured_is_default_azure_credential_for_az_login_and_azure_variables() -> None:
    sign_in = resolve({}, {})
    assert sign_in.arguments() == ("DefaultAzureCredential", {})
    assert type(sign_in.credential()).__name__ == "DefaultAzureCredential"
    assert sign_in.subscription_id == ""


def test_azure_identity_variables_alone_reach_its_environment_credential() -> None:
    environ = {
        "AZURE_CLIENT_ID": "a",
        "AZURE_TENANT_ID": "t",
        "AZURE_CLIENT_SECRET": "s",
        "AZURE_SUBSCRIPTION_ID": "sub",
    }
    sign_in = resolve({}, environ)
    assert sign_in.method == "azure-identity"
    assert sign_in.subscription_id == "sub" and sign_in.sources["subscriptionId"] == "AZURE_SUBSCRIPTION_ID"


def test_arm_client_secret_is_a_client_secret_credential() -> None:
    sign_in = resolve({}, {**SP, "ARM_CLIENT_SECRET": SECRET})
    name, kwargs = sign_in.arguments()
    assert name == "ClientSecretCredential"
    assert kwargs == {
        "tenant_id": SP["ARM_TENANT_ID"],
        "client_id": SP["ARM_CLIENT_ID"],
        "client_secret": SECRET,
    }
    assert type(sign_in.credential()).__name__ == "ClientSecretCredential"
    assert sign_in.subscription_id == SP["ARM_SUBSCRIPTION_ID"]


def test_arm_subscription_wins_over_azure_subscription() -> None:
    sign_in = resolve({}, {"ARM_SUBSCRIPTION_ID": "arm", "AZURE_SUBSCRIPTION_ID": "azure"})
    assert sign_in.subscription_id == "arm"


def test_auxiliary_tenants_are_a_json_list() -> None:
    environ = {**SP, "ARM_CLIENT_SECRET": SECRET, "ARM_AUXILIARY_TENANT_IDS": '["aux-1", "aux-2"]'}
    assert resolve({}, environ).arguments()[1]["additionally_allowed_tenants"] == ["aux-1", "aux-2"]
    with pytest.raises(BatchInfraError, match="ARM_AUXILIARY_TENANT_IDS is not a JSON list"):
        resolve({}, {**environ, "ARM_AUXILIARY_TENANT_IDS": "aux-1"}).arguments()


def test_client_certificate_comes_before_a_client_secret() -> None:
    environ = {
        **SP,
        "ARM_CLIENT_SECRET": SECRET,
        "ARM_CLIENT_CERTIFICATE_PATH": "/certs/sp.pfx",
        "ARM_CLIENT_CERTIFICATE_PASSWORD": "pfx-password",
    }
    name, kwargs = resolve({}, environ).arguments()
    assert name == "CertificateCredential"
    assert kwargs == {
        "tenant_id": SP["ARM_TENANT_ID"],
        "client_id": SP["ARM_CLIENT_ID"],
        "certificate_path": "/certs/sp.pfx",
        "password": "pfx-password",
    }


def test_a_client_secret_comes_before_oidc_and_oidc_before_msi() -> None:
    both = {**SP, "ARM_CLIENT_SECRET": SECRET, "ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN": "jwt"}
    assert resolve({}, both).method == "client-secret"
    oidc_and_msi = {**SP, "ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN": "jwt", "ARM_USE_MSI": "true"}
    assert resolve({}, oidc_and_msi).method == "oidc"


def test_use_default_azure_credential_comes_first() -> None:
    environ = {**SP, "ARM_CLIENT_SECRET": SECRET, "ARM_USE_DEFAULT_AZURE_CREDENTIAL": "true"}
    assert resolve({}, environ).arguments() == ("DefaultAzureCredential", {})


def test_oidc_with_a_token_is_a_client_assertion_credential_handing_out_that_token() -> None:
    sign_in = resolve({}, {**SP, "ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN": "header.payload.sig"})
    name, kwargs = sign_in.arguments()
    assert name == "ClientAssertionCredential"
    assert (kwargs["tenant_id"], kwargs["client_id"]) == (SP["ARM_TENANT_ID"], SP["ARM_CLIENT_ID"])
    assert kwargs["func"]() == "header.payload.sig"
    assert type(sign_in.credential()).__name__ == "ClientAssertionCredential"


def test_oidc_token_file_is_read_at_each_assertion(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("first\n")
    func = resolve(
        {}, {**SP, "ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN_FILE_PATH": str(token_file)}
    ).arguments()[1]["func"]
    assert func() == "first"
    token_file.write_text("refreshed")
    assert func() == "refreshed"
    token_file.unlink()
    with pytest.raises(BatchInfraError, match="ARM_OIDC_TOKEN_FILE_PATH: cannot read the OIDC token file"):
        func()


class _GitHubTokenService(BaseHTTPRequestHandler):
    seen: list[dict[str, Any]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        query = parse_qs(urlsplit(self.path).query)
        self.seen.append({"query": query, "authorization": self.headers.get("Authorization")})
        body = json.dumps({"value": "github-id-token"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def github_token_service() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _GitHubTokenService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _GitHubTokenService.seen.clear()
    try:
        yield f"http://127.0.0.1:{server.server_port}/_apis/token?api-version=2.0"
    finally:
        server.shutdown()
        server.server_close()


def test_oidc_from_github_actions_asks_the_job_token_service_for_entra_ids_audience(
    github_token_service: str,
) -> None:
    environ = {
        **SP,
        "ARM_USE_OIDC": "true",
        "ACTIONS_ID_TOKEN_REQUEST_URL": github_token_service,
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "runner-bearer",
    }
    assert resolve({}, environ).arguments()[1]["func"]() == "github-id-token"
    (request,) = _GitHubTokenService.seen
    assert request["authorization"] == "Bearer runner-bearer"
    assert request["query"] == {"api-version": ["2.0"], "audience": [TOKEN_EXCHANGE_AUDIENCE]}


def test_oidc_audience_is_configurable(github_token_service: str) -> None:
    environ = {
        **SP,
        "ARM_USE_OIDC": "true",
        "ARM_OIDC_AUDIENCE": "api://custom",
        "ACTIONS_ID_TOKEN_REQUEST_URL": github_token_service,
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "runner-bearer",
    }
    resolve({}, environ).arguments()[1]["func"]()
    assert _GitHubTokenService.seen[0]["query"]["audience"] == ["api://custom"]


def test_oidc_without_a_token_source_names_every_way_to_give_one() -> None:
    with pytest.raises(BatchInfraError) as caught:
        resolve({}, {**SP, "ARM_USE_OIDC": "true"})
    assert "needs oidcToken" in caught.value.message
    assert "ARM_OIDC_TOKEN_FILE_PATH" in str(caught.value.fix) and "id-token: write" in str(caught.value.fix)


def test_a_client_secret_without_tenant_names_the_variable_and_the_config_key() -> None:
    with pytest.raises(BatchInfraError) as caught:
        resolve({}, {"ARM_CLIENT_ID": "c", "ARM_CLIENT_SECRET": SECRET})
    assert "needs tenantId" in caught.value.message
    assert caught.value.fix == "set ARM_TENANT_ID (or azure-native:tenantId)"


def test_managed_identity_with_and_without_a_client_id() -> None:
    assert resolve({}, {"ARM_USE_MSI": "true"}).arguments() == ("ManagedIdentityCredential", {})
    user_assigned = resolve({}, {"ARM_USE_MSI": "true", "ARM_CLIENT_ID": "mi-client"})
    assert user_assigned.arguments() == ("ManagedIdentityCredential", {"client_id": "mi-client"})
    assert type(user_assigned.credential()).__name__ == "ManagedIdentityCredential"


@pytest.mark.parametrize("value", ["True", "1", "yes"])
def test_a_flag_pulumi_azure_native_would_read_as_false_is_refused(value: str) -> None:
    with pytest.raises(
        BatchInfraError, match=f"ARM_USE_OIDC={value!r}: pulumi-azure-native reads only 'true'"
    ):
        resolve({}, {**SP, "ARM_USE_OIDC": value, "ARM_OIDC_TOKEN": "jwt"})


def test_a_cloud_other_than_public_is_refused() -> None:
    with pytest.raises(BatchInfraError, match="ARM_ENVIRONMENT='usgovernment'"):
        resolve({}, {"ARM_ENVIRONMENT": "usgovernment"})
    assert resolve({}, {"ARM_ENVIRONMENT": "public"}).method == "azure-identity"
