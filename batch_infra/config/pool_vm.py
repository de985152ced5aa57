"""Config of a pool's virtual machine settings beyond image and disks, with Azure's names (API 2025-06-01).

containerConfiguration, securityProfile, nodePlacementConfiguration, diskEncryptionConfiguration, extensions,
windowsConfiguration, licenseType and upgradePolicy, plus startTask.containerSettings. Secret values are
never written here: `...Secret` keys name secret config keys (config.secret_refs).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from batch_infra.config.account import check_identity_id
from batch_infra.config.base import Model, invalid, promotable
from batch_infra.config.secret_refs import check_key, refuse_plaintext

REGISTRY_SERVER = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$")
IMAGE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@-]*$")


class IdentityReference(Model):
    """A user-assigned identity of the pool, by resource id (Azure's ComputeNodeIdentityReference)."""

    resource_id: str

    @field_validator("resource_id")
    @classmethod
    def _id(cls, value: str) -> str:
        return check_identity_id(value)


class ContainerRegistry(Model):
    """A private registry: a managed identity (identityReference) or a username with passwordSecret."""

    registry_server: str = "docker.io"
    username: str | None = None
    password_secret: str | None = None
    identity_reference: IdentityReference | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, data: Any) -> Any:
        return refuse_plaintext(data, "password")

    @field_validator("password_secret")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        return check_key(value)

    @field_validator("registry_server")
    @classmethod
    def _server(cls, value: str) -> str:
        if "://" in value or not REGISTRY_SERVER.match(value):
            raise invalid(
                f"{value!r} is not a registry host name",
                "write the host only, e.g. myregistry.azurecr.io (no https://, no path)",
            )
        return value

    @model_validator(mode="after")
    def _one_credential(self) -> ContainerRegistry:
        login = self.username is not None or self.password_secret is not None
        if login and self.identity_reference is not None:
            raise invalid(
                "a registry takes a managed identity or a username and password, not both",
                "keep identityReference (recommended for Azure Container Registry) or "
                "username + passwordSecret",
                at="identityReference",
            )
        if login and (self.username is None or self.password_secret is None):
            missing = "passwordSecret" if self.username else "username"
            raise invalid(
                "a registry login needs both username and passwordSecret",
                f"add {missing}, or use identityReference instead",
                at=missing,
            )
        if not login and self.identity_reference is None:
            raise invalid(
                f"registry {self.registry_server!r} has no credential",
                "add identityReference.resourceId (a pool identity with AcrPull) or "
                "username + passwordSecret; public images need no registry entry",
                at="identityReference",
            )
        return self


class ContainerConfiguration(Model):
    """Optional. Run tasks in containers: the runtime, images to prefetch, private registries."""

    type: Literal["DockerCompatible", "CriCompatible"]
    # Promotable: image tags move from one environment to the next with the software.
    container_image_names: list[str] = promotable([])
    container_registries: list[ContainerRegistry] = []

    @field_validator("container_image_names")
    @classmethod
    def _images(cls, value: list[str]) -> list[str]:
        for name in value:
            if not IMAGE_NAME.match(name):
                raise invalid(
                    f"{name!r} is not a container image reference",
                    "write it as for docker pull, e.g. myregistry.azurecr.io/tools/bwa:0.7.17",
                )
        return value


class ContainerHostBatchBindMount(Model):
    source: Literal["Shared", "Startup", "VfsMounts", "Task", "JobPrep", "Applications"]
    is_read_only: bool = False


class TaskContainerSettings(Model):
    """startTask.containerSettings: run the start task inside a container of the pool's runtime."""

    image_name: str = promotable()
    container_run_options: str | None = None
    registry: ContainerRegistry | None = None
    working_directory: Literal["TaskWorkingDirectory", "ContainerImageDefault"] | None = None
    container_host_batch_bind_mounts: list[ContainerHostBatchBindMount] = []

    @field_validator("image_name")
    @classmethod
    def _image(cls, value: str) -> str:
        return ContainerConfiguration._images([value])[0]


class UefiSettings(Model):
    secure_boot_enabled: bool | None = None
    v_tpm_enabled: bool | None = Field(None, alias="vTpmEnabled")


class SecurityProfile(Model):
    """Optional. Trusted launch or confidential VMs, UEFI settings, encryption at host."""

    security_type: Literal["trustedLaunch", "confidentialVM"] | None = None
    encryption_at_host: bool | None = None
    uefi_settings: UefiSettings | None = None

    @model_validator(mode="after")
    def _uefi(self) -> SecurityProfile:
        if self.uefi_settings is not None and self.security_type is None:
            raise invalid(
                "uefiSettings need a securityType (Azure ignores them otherwise)",
                "set securityType: trustedLaunch, or remove uefiSettings",
                at="uefiSettings",
            )
        if self.security_type == "confidentialVM" and not (
            self.uefi_settings and self.uefi_settings.v_tpm_enabled
        ):
            raise invalid(
                "a confidential VM needs a vTPM",
                "set uefiSettings.vTpmEnabled: true (and secureBootEnabled: true)",
                at="uefiSettings",
            )
        return self


class NodePlacementConfiguration(Model):
    """Optional. Regional (default) or Zonal: nodes spread over the region's availability zones."""

    policy: Literal["Regional", "Zonal"] = "Regional"


class DiskCustomerManagedKey(Model):
    key_url: str
    rotation_to_latest_key_version_enabled: bool | None = None
    identity_reference: IdentityReference | None = None


class DiskEncryptionConfiguration(Model):
    """Optional. Encrypt the nodes' OS and temporary disks (Linux: TemporaryDisk only with OsDisk)."""

    targets: list[Literal["OsDisk", "TemporaryDisk"]] = Field(min_length=1)
    customer_managed_key: DiskCustomerManagedKey | None = None

    @field_validator("targets")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise invalid(
                "a disk encryption target is listed twice", "list OsDisk and TemporaryDisk once each"
            )
        return value


class VmExtension(Model):
    """One VM extension; protectedSettingsSecret names a secret config key holding a JSON object."""

    name: str
    publisher: str
    type: str
    # Promotable: the extension's version moves with the software it installs.
    type_handler_version: str | None = promotable(None)
    auto_upgrade_minor_version: bool | None = None
    enable_automatic_upgrade: bool | None = None
    settings: dict[str, Any] | None = None
    protected_settings_secret: str | None = None
    provision_after_extensions: list[str] = []

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, data: Any) -> Any:
        return refuse_plaintext(data, "protectedSettings")

    @field_validator("protected_settings_secret")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        return check_key(value)

    @field_validator("name", "publisher", "type")
    @classmethod
    def _word(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", value):
            raise invalid(
                f"{value!r} is not an extension name, publisher or type",
                "write it as Azure lists it, e.g. publisher Microsoft.Azure.Monitor, "
                "type AzureMonitorLinuxAgent",
            )
        return value


class WindowsConfiguration(Model):
    """Optional, Windows pools only. enableAutomaticUpdates defaults to true in Azure."""

    enable_automatic_updates: bool | None = None


class AutomaticOSUpgradePolicy(Model):
    disable_automatic_rollback: bool | None = None
    enable_automatic_os_upgrade: bool | None = Field(None, alias="enableAutomaticOSUpgrade")
    use_rolling_upgrade_policy: bool | None = None
    os_rolling_upgrade_deferral: bool | None = None


class RollingUpgradePolicy(Model):
    enable_cross_zone_upgrade: bool | None = None
    max_batch_instance_percent: int | None = Field(None, ge=5, le=100)
    max_unhealthy_instance_percent: int | None = Field(None, ge=5, le=100)
    max_unhealthy_upgraded_instance_percent: int | None = Field(None, ge=0, le=100)
    pause_time_between_batches: str | None = None
    prioritize_unhealthy_instances: bool | None = None
    rollback_failed_instances_on_policy_breach: bool | None = None

    @model_validator(mode="after")
    def _batch_vs_unhealthy(self) -> RollingUpgradePolicy:
        batch, unhealthy = self.max_batch_instance_percent, self.max_unhealthy_instance_percent
        if batch is not None and unhealthy is not None and batch > unhealthy:
            raise invalid(
                "maxBatchInstancePercent is above maxUnhealthyInstancePercent",
                "Azure requires maxBatchInstancePercent <= maxUnhealthyInstancePercent",
                at="maxBatchInstancePercent",
            )
        return self


class UpgradePolicy(Model):
    """Optional. How OS image upgrades reach the nodes: manual, automatic or rolling."""

    mode: Literal["automatic", "manual", "rolling"]
    automatic_os_upgrade_policy: AutomaticOSUpgradePolicy | None = Field(
        None, alias="automaticOSUpgradePolicy"
    )
    rolling_upgrade_policy: RollingUpgradePolicy | None = None

    @model_validator(mode="after")
    def _mode(self) -> UpgradePolicy:
        if self.mode == "manual" and self.rolling_upgrade_policy is not None:
            raise invalid(
                "rollingUpgradePolicy is used only with mode rolling (or automatic OS upgrades that use it)",
                "set mode: rolling, or remove rollingUpgradePolicy",
                at="rollingUpgradePolicy",
            )
        auto = self.automatic_os_upgrade_policy
        if auto and auto.use_rolling_upgrade_policy and self.rolling_upgrade_policy is None:
            raise invalid(
                "useRollingUpgradePolicy needs a rollingUpgradePolicy",
                "add rollingUpgradePolicy, or set useRollingUpgradePolicy: false",
                at="rollingUpgradePolicy",
            )
        return self
