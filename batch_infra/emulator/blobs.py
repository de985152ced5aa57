"""Blob helpers over Azurite for the emulated services: container mapping, SAS URLs, existence checks."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from azure.core.exceptions import ResourceExistsError
from azure.storage.blob import BlobServiceClient, ContainerSasPermissions, generate_container_sas

from batch_infra.emulator.errors import AzureError

if TYPE_CHECKING:
    from batch_infra.emulator.context import BlobService

_CONTAINER = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$")


def container_name(storage_account: str, container: str) -> str:
    """The Azurite container holding `container` of `storage_account` (see azurite.py for the mapping)."""
    name = f"{storage_account.lower()}-{container}"
    if not _CONTAINER.match(container) or not _CONTAINER.match(name):
        raise AzureError(
            400,
            "InvalidResourceName",
            f"Container '{container}' of storage account '{storage_account}' is not a valid container "
            "name here: 3-63 lower-case letters, digits and single hyphens, and "
            f"'<account>-<container>' ({len(name)} characters) must fit in 63.",
        )
    return name


def _client(blob: BlobService) -> BlobServiceClient:
    return BlobServiceClient(
        blob.endpoint, credential={"account_name": blob.account_name, "account_key": blob.account_key}
    )


def ensure_container(blob: BlobService, storage_account: str, container: str) -> None:
    try:
        _client(blob).create_container(container_name(storage_account, container))
    except ResourceExistsError:
        pass  # already there: exactly what "ensure" asks for


def sas_url(
    blob: BlobService,
    storage_account: str,
    container: str,
    blob_name: str | None,
    *,
    permission: str,
    expiry: datetime,
) -> str:
    """A SAS URL for a container (blob_name None) or one blob, signed with the Azurite account key."""
    physical = container_name(storage_account, container)
    token = generate_container_sas(
        blob.account_name,
        physical,
        account_key=blob.account_key,
        permission=ContainerSasPermissions.from_string(permission),
        expiry=expiry,
    )
    path = f"{physical}/{blob_name}" if blob_name else physical
    return f"{blob.endpoint}/{path}?{token}"


def blob_exists(blob: BlobService, storage_account: str, container: str, blob_name: str) -> bool:
    client = _client(blob).get_blob_client(container_name(storage_account, container), blob_name)
    return bool(client.exists())


def delete_containers(blob: BlobService, prefix: str = "") -> int:
    """Delete every Azurite container whose name starts with `prefix` (all when empty); returns how many."""
    client = _client(blob)
    names = [c.name for c in client.list_containers(name_starts_with=prefix or None)]
    for name in names:
        client.delete_container(name)
    return len(names)
