"""Config of one Batch pool: size, image, scale, start task, users, network, VM settings (API 2025-06-01)."""

from __future__ import annotations

import re
import shlex
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from batch_infra.config import pool_checks
from batch_infra.config.account import check_identity_id
from batch_infra.config.base import Model, invalid, promotable, retired
from batch_infra.config.pool_mounts import MountConfiguration
from batch_infra.config.pool_parts import (
    DataDisk,
    ImageSelector,
    KeyVaultCertificates,
    OsDisk,
    PoolNetwork,
    ScaleConfig,
    StartTask,
    UserAccount,
)
from batch_infra.config.pool_vm import (
    ContainerConfiguration,
    DiskEncryptionConfiguration,
    NodePlacementConfiguration,
    SecurityProfile,
    UpgradePolicy,
    VmExtension,
    WindowsConfiguration,
)

# Keys of retired Azure features, accepted only to be refused: field -> (feature, retired on, replacement).
RETIRED_POOL_KEYS: dict[str, tuple[str, str, str]] = {
    "certificate_references": (
        "Batch account certificates (certificateReferences)", "2024-02-29",
        "list the Key Vault certificate URLs under certificates.certificateUrls with certificates.identity; "
        "batch-infra installs the Key Vault VM extension",
    ),
    "cloud_service_configuration": (
        "CloudServiceConfiguration pools", "2024-02-29",
        "remove it; pools use VirtualMachineConfiguration chosen by image (e.g. os: windows 2022)",
    ),
    "application_licenses": ("Pay-for-use application licenses", "2024-02-29", "remove applicationLicenses"),
}
POOL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
VM_SIZE = re.compile(r"^Standard_[A-Za-z0-9_]+$")


class ApplicationPackageRef(Model):
    application: str
    # Omitted: the application's defaultVersion.
    version: str | None = None


class PoolConfig(Model):
    """Optional. One Batch pool managed by the batch-infra pool provider."""

    id: str
    display_name: str | None = None
    vm_size: str
    # Promoted whole: os and publisher/offer/sku exclude each other, so keys copied one by one could clash.
    image: ImageSelector = promotable()
    scale: ScaleConfig
    start_task: StartTask | None = None
    certificates: KeyVaultCertificates | None = None
    user_accounts: list[UserAccount] = []
    identities: list[str] = []
    task_slots_per_node: int = Field(1, ge=1, le=256)
    node_fill_type: Literal["Pack", "Spread"] = "Spread"
    inter_node_communication: bool = False
    application_packages: list[ApplicationPackageRef] = []
    network: PoolNetwork = PoolNetwork()
    node_communication_mode: Literal["Default", "Simplified", "Classic"] = "Simplified"
    os_disk: OsDisk | None = None
    data_disks: list[DataDisk] = []
    metadata: dict[str, str] = {}
    container_configuration: ContainerConfiguration | None = None
    mount_configuration: list[MountConfiguration] = []
    security_profile: SecurityProfile | None = None
    node_placement_configuration: NodePlacementConfiguration | None = None
    disk_encryption_configuration: DiskEncryptionConfiguration | None = None
    extensions: list[VmExtension] = []
    windows_configuration: WindowsConfiguration | None = None
    license_type: Literal["Windows_Server", "Windows_Client"] | None = None
    upgrade_policy: UpgradePolicy | None = None
    # The pool resource's Azure tags (API 2025-06-01 puts them on the pool resource: `tags`).
    tags: dict[str, str] = {}
    # What to do when a change Azure accepts only on an empty pool meets a pool with nodes:
    # fail with guidance (default) or delete and recreate the pool.
    on_immutable_change: Literal["fail", "replace"] = "fail"
    # Retired Azure features, accepted as keys only to be refused with the date and the replacement.
    certificate_references: Any = None
    cloud_service_configuration: Any = None
    application_licenses: Any = None
    # The data-plane name of pool tags; refused with the management API's name (see _renamed).
    resource_tags: Any = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not POOL_ID.match(value):
            raise invalid(f"{value!r} is not a valid pool id",
                          "use 1-64 letters, digits, hyphens or underscores")
        return value

    @field_validator("vm_size")
    @classmethod
    def _vm_size(cls, value: str) -> str:
        if value.lower().startswith("basic_") or re.match(r"(?i)^standard_a\d+$", value):
            raise retired(f"VM size {value} (Basic and Standard A-series in Batch)", "2024-08-31",
                          "choose a current size such as Standard_D2s_v5")
        if not VM_SIZE.match(value):
            raise invalid(f"{value!r} is not an Azure VM size",
                          "write it as Azure does, e.g. Standard_D4s_v5")
        return value

    @field_validator("identities")
    @classmethod
    def _identities(cls, value: list[str]) -> list[str]:
        return [check_identity_id(v) for v in value]

    @field_validator("node_communication_mode")
    @classmethod
    def _communication(cls, value: str) -> str:
        if value == "Classic":
            raise retired("Classic node communication", "2026-03-31",
                          "use nodeCommunicationMode: Simplified (outbound 443 to BatchNodeManagement only)")
        return value

    @field_validator("resource_tags")
    @classmethod
    def _renamed(cls, value: Any) -> Any:
        if value is not None:
            raise invalid("resourceTags is the data-plane name; the management API 2025-06-01 that "
                          "batch-infra uses calls the pool's tags `tags`", "rename resourceTags to tags")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > 50:
            raise invalid(f"{len(value)} tags; Azure allows 50 per resource", "remove some tags")
        for name, text in value.items():
            if len(name) > 512 or len(text) > 256 or any(c in name for c in "<>%&\\?/"):
                raise invalid(f"tag {name[:40]!r} breaks Azure's tag rules",
                              "names up to 512 characters without < > % & \\ ? /, values up to 256", at=name)
        return value

    @field_validator(*RETIRED_POOL_KEYS)
    @classmethod
    def _retired_keys(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None:
            raise retired(*RETIRED_POOL_KEYS[info.field_name or ""])
        return value

    @field_validator("data_disks")
    @classmethod
    def _luns(cls, value: list[DataDisk]) -> list[DataDisk]:
        seen: set[int] = set()
        for index, disk in enumerate(value):
            if disk.lun in seen:
                raise invalid(f"lun {disk.lun} is used by an earlier data disk",
                              "give each data disk its own lun", at=[index, "lun"])
            seen.add(disk.lun)
        return value

    @model_validator(mode="after")
    def _cross_checks(self) -> PoolConfig:
        if (self.certificates
                and self.certificates.identity.lower() not in {i.lower() for i in self.identities}):
            raise invalid("certificates.identity is not one of the pool's identities",
                          "add the same identity id under identities", at=["certificates", "identity"])
        if self.inter_node_communication and self.scale.max_spot > 0:
            raise invalid("interNodeCommunication does not work with Spot nodes",
                          "set the Spot target/maximum to 0 or disable interNodeCommunication",
                          at="interNodeCommunication")
        if self.os_disk and self.os_disk.ephemeral and self.scale.max_spot > 0:
            raise invalid("Spot nodes cannot use an ephemeral OS disk", "set osDisk.ephemeral: false",
                          at=["osDisk", "ephemeral"])
        names = [u.name for u in self.user_accounts]
        if len(set(names)) != len(names):
            raise invalid("two user accounts share a name", "give each user account its own name",
                          at="userAccounts")
        for problem in self._ssh_key_installer_problems() + pool_checks.all_problems(self):
            raise problem
        if self.image.patterns()[3] == "windows" and any(u.ssh_public_keys for u in self.user_accounts):
            raise invalid("SSH public keys are for Linux pools",
                          "use passwordSecret for Windows user accounts", at="userAccounts")
        return self

    def _ssh_key_installer_problems(self) -> list[Any]:
        """SSH keys are installed by an admin start task that then runs the command line as argv."""
        task = self.start_task
        if task is None or not any(u.ssh_public_keys for u in self.user_accounts):
            return []
        if task.elevation != "admin":
            return [invalid(
                "sshPublicKeys are installed by the start task as the admin auto-user, and this start task "
                "runs as nonadmin", "set startTask.elevation: admin, or remove the start task or the keys",
                at=["startTask", "elevation"])]
        if "\n" in task.command_line or "\\" in task.command_line:
            return [invalid(
                "with sshPublicKeys the command line is split into arguments (POSIX rules, no shell), so "
                "newlines and backslash escapes would change its meaning",
                "write one line without backslashes, e.g. /bin/bash -c \"step1 && step2\"",
                at=["startTask", "commandLine"])]
        try:
            shlex.split(task.command_line)
        except ValueError as err:
            return [invalid(f"the command line cannot be split into arguments ({err})", "balance its quotes",
                            at=["startTask", "commandLine"])]
        return []

    def secret_keys(self) -> list[str]:
        """The secret config keys the pool's Azure-shaped sections name (config.secret_refs), sorted."""
        from batch_infra.config.secret_refs import references

        dumped = self.model_dump(by_alias=True, mode="json", exclude_none=True,
                                 include={"container_configuration", "mount_configuration", "extensions",
                                          "start_task"})
        return sorted(set(references(dumped)))

    @property
    def max_nodes(self) -> int:
        return self.scale.max_dedicated + self.scale.max_spot
