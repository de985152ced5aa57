"""One sign-in for every Azure call: pulumi-azure-native's settings first, then azure-identity's defaults.

A pipeline configures one identity. pulumi-azure-native reads each setting from the stack's `azure-native:*`
config, else from its environment variable, and picks the first method configured in this order: the
Default Azure Credential, a client certificate, a client secret, OIDC, managed identity, else the Azure CLI
(its readAuthConfig and newSingleMethodAuthCredential). The same order holds here, with one difference: when
no method is configured, DefaultAzureCredential (azure-identity's AZURE_* variables, workload identity,
managed identity, `az login`) stands in for the Azure CLI alone, so AZURE_*-only setups keep working.
Secret values are held for the credential and never appear in a repr, a description or an error.
"""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from batch_infra.errors import BatchInfraError

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

# azure-native config key -> its environment variable, as pulumi-azure-native reads them.
SETTINGS = {
    "subscriptionId": "ARM_SUBSCRIPTION_ID",
    "clientId": "ARM_CLIENT_ID",
    "tenantId": "ARM_TENANT_ID",
    "auxiliaryTenantIds": "ARM_AUXILIARY_TENANT_IDS",
    "clientSecret": "ARM_CLIENT_SECRET",
    "clientCertificatePath": "ARM_CLIENT_CERTIFICATE_PATH",
    "clientCertificatePassword": "ARM_CLIENT_CERTIFICATE_PASSWORD",
    "useMsi": "ARM_USE_MSI",
    "useOidc": "ARM_USE_OIDC",
    "oidcAudience": "ARM_OIDC_AUDIENCE",
    "oidcToken": "ARM_OIDC_TOKEN",
    "oidcTokenFilePath": "ARM_OIDC_TOKEN_FILE_PATH",
    "oidcRequestToken": "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "oidcRequestUrl": "ACTIONS_ID_TOKEN_REQUEST_URL",
    "useDefaultAzureCredential": "ARM_USE_DEFAULT_AZURE_CREDENTIAL",
    "environment": "ARM_ENVIRONMENT",
}
SECRETS = frozenset({"clientSecret", "clientCertificatePassword", "oidcToken", "oidcRequestToken"})
FLAGS = ("useDefaultAzureCredential", "useOidc", "useMsi")
PUBLIC_CLOUD = {"", "public", "azurecloud", "azurepubliccloud"}
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"  # Entra ID's audience for federated credentials

METHODS = {  # method -> (what it is, for messages; the azure.identity class)
    "default": ("the Default Azure Credential", "DefaultAzureCredential"),
    "client-certificate": ("a service principal with a client certificate", "CertificateCredential"),
    "client-secret": ("a service principal with a client secret", "ClientSecretCredential"),
    "oidc": ("OIDC (workload identity federation)", "ClientAssertionCredential"),
    "managed-identity": ("a managed identity", "ManagedIdentityCredential"),
    "azure-identity": (
        "DefaultAzureCredential (AZURE_* variables, workload identity, managed identity or az login)",
        "DefaultAzureCredential",
    ),
}


@dataclass(frozen=True)
class SignIn:
    """The method chosen and the settings it uses, each with where it came from."""

    method: str
    values: Mapping[str, str] = field(repr=False)  # by azure-native config key; may hold secrets
    sources: Mapping[str, str]  # by azure-native config key: "ARM_CLIENT_ID", "azure-native:clientId", ...

    @property
    def subscription_id(self) -> str:
        return self.values.get("subscriptionId", "")

    def describe(self) -> str:
        """One line for humans: the method and the non-secret settings with their sources."""
        shown = [
            f"{key} from {self.sources[key]}" + ("" if key in SECRETS else f" ({self.values[key]})")
            for key in sorted(self.sources)
            if key not in FLAGS
        ]
        return METHODS[self.method][0] + (f": {', '.join(shown)}" if shown else "")

    def summary(self) -> str:
        """The method and the identity, for report titles: "OIDC (...) as client <id> (ARM_CLIENT_ID)"."""
        client = self.values.get("clientId")
        return METHODS[self.method][0] + (
            f" as client {client} ({self.sources['clientId']})" if client else ""
        )

    def arguments(self) -> tuple[str, dict[str, Any]]:
        """The azure.identity class name and its keyword arguments (an OIDC assertion is a callable)."""
        v = self.values
        aux = _aux_tenants(v.get("auxiliaryTenantIds", ""), self.sources.get("auxiliaryTenantIds", ""))
        allowed = {"additionally_allowed_tenants": aux} if aux else {}
        name = METHODS[self.method][1]
        if self.method in ("default", "azure-identity"):
            return name, dict(allowed)
        if self.method == "client-certificate":
            secret = v.get("clientCertificatePassword")
            password = {"password": secret} if secret else {}
            return name, {
                "tenant_id": v["tenantId"],
                "client_id": v["clientId"],
                "certificate_path": v["clientCertificatePath"],
                **password,
                **allowed,
            }
        if self.method == "client-secret":
            return name, {
                "tenant_id": v["tenantId"],
                "client_id": v["clientId"],
                "client_secret": v["clientSecret"],
                **allowed,
            }
        if self.method == "oidc":
            return name, {"tenant_id": v["tenantId"], "client_id": v["clientId"], "func": self._assertion()}
        return name, ({"client_id": v["clientId"]} if v.get("clientId") else {})

    def credential(self) -> TokenCredential:
        import azure.identity

        name, kwargs = self.arguments()
        return getattr(azure.identity, name)(**kwargs)

    def _assertion(self) -> Callable[[], str]:
        """The OIDC token: given, read from a file (each time: platforms refresh it) or asked of GitHub."""
        v = self.values
        if v.get("oidcToken"):
            token = v["oidcToken"]
            return lambda: token
        if v.get("oidcTokenFilePath"):
            path = Path(v["oidcTokenFilePath"])
            return lambda: _read_token(path, self.sources["oidcTokenFilePath"])
        url, bearer = v["oidcRequestUrl"], v["oidcRequestToken"]
        audience = v.get("oidcAudience") or TOKEN_EXCHANGE_AUDIENCE
        return lambda: github_id_token(url, bearer, audience)


def resolve(
    stack_config: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> SignIn:
    """The sign-in the stack's `azure-native:*` config (keys with or without the namespace) and the
    environment describe; a configured method missing a setting it needs is an error naming both."""
    environ = os.environ if environ is None else environ
    config = {k.removeprefix("azure-native:"): v for k, v in (stack_config or {}).items()}
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    for key, variable in SETTINGS.items():
        found = _setting(key, variable, config, environ)
        if found:
            values[key], sources[key] = found
    if not values.get("subscriptionId") and environ.get("AZURE_SUBSCRIPTION_ID"):
        values["subscriptionId"] = environ["AZURE_SUBSCRIPTION_ID"]
        sources["subscriptionId"] = "AZURE_SUBSCRIPTION_ID"
    _check_cloud(values, sources, environ)
    method = _method(values, sources)
    _require(method, values)
    return SignIn(method, values, sources)


def _setting(
    key: str, variable: str, config: Mapping[str, Any], environ: Mapping[str, str]
) -> tuple[str, str] | None:
    """Stack config first, then the variable, as pulumi-azure-native's getConfig does."""
    value = config.get(key)
    if isinstance(value, dict) and set(value) == {"secure"}:
        if environ.get(variable):
            return environ[variable], variable  # batch-infra cannot decrypt; the pipeline exports both
        raise BatchInfraError(
            f"azure-native:{key} is a Pulumi secret in the stack file, which batch-infra cannot decrypt",
            fix=f"export {variable} with the same value for the dynamic providers and batch-infra commands",
        )
    if value not in (None, ""):
        return str(value).lower() if isinstance(value, bool) else str(value), f"azure-native:{key}"
    if environ.get(variable):
        return environ[variable], variable
    return None


def _check_cloud(values: dict[str, str], sources: dict[str, str], environ: Mapping[str, str]) -> None:
    cloud = values.get("environment") or environ.get("AZURE_ENVIRONMENT", "")
    if cloud.lower() not in PUBLIC_CLOUD:
        where = sources.get("environment", "AZURE_ENVIRONMENT")
        raise BatchInfraError(
            f"{where}={cloud!r}: batch-infra talks to Azure's public cloud (management.azure.com) only",
            fix=f"unset {where}, or deploy to the public cloud",
        )


def _method(values: Mapping[str, str], sources: Mapping[str, str]) -> str:
    for flag in FLAGS:
        if values.get(flag, "false") not in ("true", "false"):
            raise BatchInfraError(
                f"{sources[flag]}={values[flag]!r}: pulumi-azure-native reads only 'true' there",
                fix=f"set {sources[flag]} to true (or false)",
            )
    on = {flag for flag in FLAGS if values.get(flag) == "true"}
    if "useDefaultAzureCredential" in on:
        return "default"
    if values.get("clientCertificatePath"):
        return "client-certificate"
    if values.get("clientSecret"):
        return "client-secret"
    if "useOidc" in on:
        return "oidc"
    if "useMsi" in on:
        return "managed-identity"
    return "azure-identity"


def _require(method: str, values: Mapping[str, str]) -> None:
    needed = {
        "client-certificate": ("tenantId", "clientId"),
        "client-secret": ("tenantId", "clientId"),
        "oidc": ("tenantId", "clientId"),
    }.get(method, ())
    missing = [key for key in needed if not values.get(key)]
    if method == "oidc" and not (
        values.get("oidcToken")
        or values.get("oidcTokenFilePath")
        or (values.get("oidcRequestUrl") and values.get("oidcRequestToken"))
    ):
        missing.append("oidcToken")
    if missing:
        wanted = [f"{SETTINGS[key]} (or azure-native:{key})" for key in missing]
        if "oidcToken" in missing:
            wanted[-1] = (
                "ARM_OIDC_TOKEN, ARM_OIDC_TOKEN_FILE_PATH, or GitHub's ACTIONS_ID_TOKEN_REQUEST_URL and "
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN (a job with `permissions: id-token: write`)"
            )
        raise BatchInfraError(
            f"signing in with {METHODS[method][0]} needs {', '.join(missing)}",
            fix=f"set {'; '.join(wanted)}",
        )


def _aux_tenants(text: str, source: str) -> list[str]:
    if not text:
        return []
    try:
        tenants = json.loads(text)
    except ValueError:
        tenants = None
    if not (isinstance(tenants, list) and all(isinstance(t, str) for t in tenants)):
        raise BatchInfraError(
            f"{source} is not a JSON list of tenant ids",
            fix=f'set {source} to e.g. ["00000000-0000-0000-0000-000000000001"]',
        )
    return tenants


def _read_token(path: Path, source: str) -> str:
    try:
        return path.read_text().strip()
    except OSError as err:
        raise BatchInfraError(
            f"{source}: cannot read the OIDC token file {path}: {err.strerror}",
            fix="point it at the file your platform writes the federated token to",
        ) from err


def github_id_token(url: str, bearer: str, audience: str = TOKEN_EXCHANGE_AUDIENCE) -> str:
    """GitHub Actions' OIDC token for `audience` (the job's ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN)."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query) + [("audience", audience)]
    request = urllib.request.Request(
        parts._replace(query=urllib.parse.urlencode(query)).geturl(),
        headers={"Authorization": f"Bearer {bearer}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())["value"]
    except (OSError, ValueError, KeyError) as err:
        raise BatchInfraError(
            f"GitHub OIDC: no token from ACTIONS_ID_TOKEN_REQUEST_URL ({type(err).__name__}: {err})",
            fix="give the job `permissions: id-token: write`, or set ARM_OIDC_TOKEN",
        ) from err


def providers_gap(
    stack_config: Mapping[str, Any], source: str, environ: Mapping[str, str] | None = None
) -> BatchInfraError | None:
    """Why the dynamic providers would sign in differently from pulumi-azure-native, or None.

    pulumi-azure-native reads its `azure-native:*` stack config; the dynamic providers (pools, application
    packages, the quota check) run in the Pulumi CLI's environment, and Pulumi hands a provider only its own
    package's config, so they see the ARM_*/AZURE_* variables alone."""
    with_config = resolve(stack_config, environ)
    environment_only = resolve({}, environ)
    identity = ("clientId", "tenantId")
    if with_config.method == environment_only.method and all(
        with_config.values.get(k) == environment_only.values.get(k) for k in identity
    ):
        return None
    keys = sorted(k for k, where in with_config.sources.items() if where.startswith("azure-native:"))
    return BatchInfraError(
        f"{source}: azure-native config ({', '.join(f'azure-native:{k}' for k in keys)}) signs "
        f"pulumi-azure-native in with {METHODS[with_config.method][0]}, but the dynamic providers (pools, "
        "application packages, quota check) see only the environment and would sign in with "
        f"{METHODS[environment_only.method][0]}",
        fix=f"export {', '.join(SETTINGS[k] for k in keys)} in the environment that runs pulumi, so both "
        "use one identity",
    )
