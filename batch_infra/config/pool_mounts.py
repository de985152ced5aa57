"""Config of a pool's file system mounts (mountConfiguration): Azure Blob (blobfuse), Azure Files, NFS, CIFS.

Each entry names exactly one file system, as Azure requires. Keys, SAS tokens and passwords come from secret
config (`accountKeySecret`, `sasKeySecret`, `passwordSecret`); writing the plain property is refused.
relativeMountPath is relative to $AZ_BATCH_NODE_MOUNTS_DIR and unique per pool.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import field_validator, model_validator

from batch_infra.config.base import Model, invalid
from batch_infra.config.pool_vm import IdentityReference
from batch_infra.config.secret_refs import check_key, refuse_plaintext

STORAGE_ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")
CONTAINER = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")
MOUNT_PATH = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")


def check_mount_path(value: str) -> str:
    if not MOUNT_PATH.match(value) or ".." in value.split("/"):
        raise invalid(
            f"relativeMountPath {value!r} is not a relative path below the mounts directory",
            "use a relative name such as data or refs/genomes (no leading /, no ..)",
        )
    return value


def check_account(value: str) -> str:
    if not STORAGE_ACCOUNT.match(value):
        raise invalid(f"{value!r} is not a storage account name", "use 3-24 lowercase letters and digits")
    return value


class _Secrets(Model):
    """Shared: `...Secret` keys are config key names."""

    @field_validator("*", mode="after")
    @classmethod
    def _secret_keys(cls, value: Any, info: Any) -> Any:
        return check_key(value) if str(info.field_name).endswith("_secret") else value


class AzureBlobFileSystemConfiguration(_Secrets):
    account_name: str
    container_name: str
    relative_mount_path: str
    account_key_secret: str | None = None
    sas_key_secret: str | None = None
    identity_reference: IdentityReference | None = None
    blobfuse_options: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, data: Any) -> Any:
        return refuse_plaintext(data, "accountKey", "sasKey")

    _account = field_validator("account_name")(classmethod(lambda cls, v: check_account(v)))
    _path = field_validator("relative_mount_path")(classmethod(lambda cls, v: check_mount_path(v)))

    @field_validator("container_name")
    @classmethod
    def _container(cls, value: str) -> str:
        if not CONTAINER.match(value):
            raise invalid(
                f"{value!r} is not a blob container name",
                "use 3-63 lowercase letters, digits and single hyphens",
            )
        return value

    @model_validator(mode="after")
    def _one_credential(self) -> AzureBlobFileSystemConfiguration:
        given = [
            k
            for k, v in (
                ("accountKeySecret", self.account_key_secret),
                ("sasKeySecret", self.sas_key_secret),
                ("identityReference", self.identity_reference),
            )
            if v is not None
        ]
        if len(given) != 1:
            raise invalid(
                f"a blobfuse mount needs exactly one credential, got {len(given)} "
                f"({', '.join(given) or 'none'})",
                "keep one of identityReference (recommended), accountKeySecret, sasKeySecret",
                at=given[1] if len(given) > 1 else "identityReference",
            )
        return self


class AzureFileShareConfiguration(_Secrets):
    account_name: str
    # https://<account>.file.core.windows.net/<share>
    azure_file_url: str
    account_key_secret: str
    relative_mount_path: str
    mount_options: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, data: Any) -> Any:
        return refuse_plaintext(data, "accountKey")

    _account = field_validator("account_name")(classmethod(lambda cls, v: check_account(v)))
    _path = field_validator("relative_mount_path")(classmethod(lambda cls, v: check_mount_path(v)))

    @model_validator(mode="after")
    def _url(self) -> AzureFileShareConfiguration:
        pattern = rf"^https://{re.escape(self.account_name)}\.file\.core\.(windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)/[a-z0-9-]{{3,63}}/?$"
        if not re.match(pattern, self.azure_file_url):
            raise invalid(
                f"azureFileUrl {self.azure_file_url!r} is not a share of account {self.account_name!r}",
                f"use https://{self.account_name}.file.core.windows.net/<share>",
                at="azureFileUrl",
            )
        return self


class NFSMountConfiguration(Model):
    # host:/export, e.g. 10.0.0.4:/genomes or account.file.core.windows.net:/account/share
    source: str
    relative_mount_path: str
    mount_options: str | None = None

    _path = field_validator("relative_mount_path")(classmethod(lambda cls, v: check_mount_path(v)))

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        if not re.match(r"^[A-Za-z0-9.-]+:/\S*$", value):
            raise invalid(f"NFS source {value!r} is not host:/export", "write it like 10.0.0.4:/exports/data")
        return value


class CIFSMountConfiguration(_Secrets):
    user_name: str
    # //server/share
    source: str
    relative_mount_path: str
    password_secret: str
    mount_options: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, data: Any) -> Any:
        return refuse_plaintext(data, "password")

    _path = field_validator("relative_mount_path")(classmethod(lambda cls, v: check_mount_path(v)))

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        if not re.match(r"^(//|\\\\)[^/\\\s]+[/\\]\S+$", value):
            raise invalid(f"CIFS source {value!r} is not //server/share", "write it like //fileserver/share")
        return value


KINDS = (
    "azureBlobFileSystemConfiguration",
    "azureFileShareConfiguration",
    "nfsMountConfiguration",
    "cifsMountConfiguration",
)


class MountConfiguration(Model):
    """One mount; exactly one of the four file system kinds."""

    azure_blob_file_system_configuration: AzureBlobFileSystemConfiguration | None = None
    azure_file_share_configuration: AzureFileShareConfiguration | None = None
    nfs_mount_configuration: NFSMountConfiguration | None = None
    cifs_mount_configuration: CIFSMountConfiguration | None = None

    @model_validator(mode="before")
    @classmethod
    def _exactly_one(cls, data: Any) -> Any:
        if isinstance(data, dict):
            kinds = [k for k in KINDS if data.get(k) is not None]
            if len(kinds) != 1:
                raise invalid(
                    f"a mount names {len(kinds)} file systems ({', '.join(kinds) or 'none'})",
                    f"give each mount exactly one of {', '.join(KINDS)}",
                    at=kinds[1] if len(kinds) > 1 else KINDS[0],
                )
        return data

    @property
    def target(self) -> Any:
        return next(
            v
            for v in (
                self.azure_blob_file_system_configuration,
                self.azure_file_share_configuration,
                self.nfs_mount_configuration,
                self.cifs_mount_configuration,
            )
            if v is not None
        )

    @property
    def relative_mount_path(self) -> str:
        return str(self.target.relative_mount_path)
