"""The one place Azure SDK clients are built: real Azure (the one sign-in, sign_in.py) or the local emulator.

Providers are pickled into Pulumi state, so they never hold a client: they call `Target.from_environment()`
and a factory here inside each method. `BATCH_INFRA_EMULATOR=<ready file>` points everything at the emulator.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from batch_infra.errors import BatchInfraError
from batch_infra.providers.sign_in import SignIn, resolve

if TYPE_CHECKING:
    from azure.batch import BatchClient
    from azure.core.credentials import AccessToken, AccessTokenInfo, TokenCredential
    from azure.mgmt.batch import BatchManagementClient
    from azure.mgmt.network import NetworkManagementClient
    from azure.mgmt.resource import ResourceManagementClient
    from azure.mgmt.storage import StorageManagementClient
    from azure.storage.blob import BlobClient

EMULATOR_ENV = "BATCH_INFRA_EMULATOR"  # path of the emulator's ready file
POLLING_ENV = "BATCH_INFRA_POLLING_INTERVAL"  # seconds between LRO polls when Azure sends no Retry-After
AZURE_ARM = "https://management.azure.com"
BATCH_SCOPE = "https://batch.core.windows.net/.default"


class EmulatorToken:
    """A TokenCredential handing out the emulator's static bearer token (any scope)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, int(time.time()) + 3600)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        from azure.core.credentials import AccessTokenInfo

        return AccessTokenInfo(self._token, int(time.time()) + 3600)


@dataclass(frozen=True)
class Target:
    """Where clients go: ARM endpoint, subscription, how to authenticate and which CA to trust."""

    arm_endpoint: str
    subscription_id: str
    credential_source: str  # "emulator" (static token) or "azure" (the sign-in)
    ca_bundle: str | None = None
    token: str | None = None  # emulator only
    polling_interval: float | None = None  # None: the SDK's default (30 s)
    sign_in: SignIn | None = field(default=None, compare=False)  # Azure only; None: from the environment

    @classmethod
    def from_ready_file(cls, path: str | Path, *, polling_interval: float | None = None) -> Target:
        try:
            info = json.loads(Path(path).read_text())
            return cls(
                info["arm_endpoint"],
                info["subscription_id"],
                "emulator",
                info["ca_bundle"],
                info["token"],
                polling_interval,
            )
        except (OSError, ValueError, KeyError) as err:
            raise BatchInfraError(
                f"cannot read the emulator's ready file {path}: {err}",
                fix=f"start it with `batch-infra emulator start --ready-file {path}`, or unset "
                f"{EMULATOR_ENV}",
            ) from err

    @classmethod
    def from_environment(
        cls, subscription_id: str | None = None, azure_native: dict[str, Any] | None = None
    ) -> Target:
        """The emulator if BATCH_INFRA_EMULATOR names a ready file, else Azure with the sign-in that
        `azure_native` (the stack's `azure-native:*` config) and the environment describe."""
        polling = os.environ.get(POLLING_ENV)
        interval = float(polling) if polling not in (None, "") else None
        ready = os.environ.get(EMULATOR_ENV)
        if ready:
            return cls.from_ready_file(ready, polling_interval=interval)
        return cls.azure(subscription_id, azure_native, polling_interval=interval)

    @classmethod
    def azure(
        cls,
        subscription_id: str | None = None,
        azure_native: dict[str, Any] | None = None,
        *,
        polling_interval: float | None = None,
    ) -> Target:
        sign_in = resolve(azure_native)
        subscription = subscription_id or sign_in.subscription_id
        if not subscription:
            raise BatchInfraError(
                "no Azure subscription to target",
                fix="set ARM_SUBSCRIPTION_ID or AZURE_SUBSCRIPTION_ID (or azure-native:subscriptionId in the "
                f"stack file; {EMULATOR_ENV} for the local emulator)",
            )
        return cls(AZURE_ARM, subscription, "azure", polling_interval=polling_interval, sign_in=sign_in)

    @property
    def is_emulator(self) -> bool:
        return self.credential_source == "emulator"

    def credential(self) -> TokenCredential:
        if self.is_emulator:
            return EmulatorToken(self.token or "")
        return (self.sign_in or resolve()).credential()

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments every SDK client takes: TLS trust, LRO polling interval and the one retry policy
        (azure_retry.py) in place of azure-core's, which repeats no POST/PATCH on a 429 without Retry-After
        or a lost connection."""
        from batch_infra.providers.azure_retry import AzureRetryPolicy

        options: dict[str, Any] = {"retry_policy": AzureRetryPolicy()}
        if self.ca_bundle:
            options["connection_verify"] = self.ca_bundle
        if self.polling_interval is not None:
            options["polling_interval"] = self.polling_interval
        return options

    def _mgmt(self, client_class: Any) -> Any:
        return client_class(
            self.credential(), self.subscription_id, base_url=self.arm_endpoint, **self.client_options()
        )


def resource_client(target: Target) -> ResourceManagementClient:
    from azure.mgmt.resource import ResourceManagementClient

    return target._mgmt(ResourceManagementClient)


def storage_client(target: Target) -> StorageManagementClient:
    from azure.mgmt.storage import StorageManagementClient

    return target._mgmt(StorageManagementClient)


def network_client(target: Target) -> NetworkManagementClient:
    from azure.mgmt.network import NetworkManagementClient

    return target._mgmt(NetworkManagementClient)


def batch_mgmt_client(target: Target) -> BatchManagementClient:
    from azure.mgmt.batch import BatchManagementClient

    return target._mgmt(BatchManagementClient)


def batch_data_client(target: Target, account_endpoint: str, key: str | None = None) -> BatchClient:
    """The Batch data plane of one account (`accountEndpoint`, with or without scheme).

    With `key`, requests are signed with SharedKey (account name = first label of Azure's endpoint, last
    path segment of the emulator's); without it, the target's token is used.
    """
    from azure.batch import BatchClient

    endpoint = account_endpoint if "://" in account_endpoint else f"https://{account_endpoint}"
    if key is None:
        credential: Any = target.credential()
    else:
        from azure.core.credentials import AzureNamedKeyCredential

        credential = AzureNamedKeyCredential(_account_name(endpoint), key)
    return BatchClient(endpoint, credential, **target.client_options())


def _account_name(endpoint: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(endpoint)
    path = parts.path.strip("/")
    return path.rsplit("/", 1)[-1] if path else parts.hostname.split(".")[0]  # type: ignore[union-attr]


def blob_client_from_sas(url: str, **options: Any) -> BlobClient:
    """A blob client for an application package's storageUrl; `options` go to the client as is.

    A URL with a SAS (auto-storage with storage keys) carries its own credential. Without one (auto-storage
    the Batch account reaches by managed identity: Azure then returns the bare blob URL) the deploying
    identity authenticates with its Entra token: the sign-in (sign_in.py), or the emulator's token.
    """
    from azure.storage.blob import BlobClient

    if _has_sas(url):
        return BlobClient.from_blob_url(url, **options)
    ready = os.environ.get(EMULATOR_ENV)
    target = Target.from_ready_file(ready) if ready else Target(AZURE_ARM, "", "azure")
    if target.ca_bundle:
        options.setdefault("connection_verify", target.ca_bundle)
    return BlobClient.from_blob_url(url, credential=target.credential(), **options)


def _has_sas(url: str) -> bool:
    from urllib.parse import parse_qs, urlsplit

    return "sig" in parse_qs(urlsplit(url).query)
