"""Config of a pool's parts: scale, start task, certificates, users, disks, network (image: pool_image)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from batch_infra.config.account import check_identity_id
from batch_infra.config.base import Duration, Model, invalid, promotable, retired
from batch_infra.config.pool_endpoints import EndpointConfiguration

# The image models live in pool_image; imported here for the modules that read them from pool_parts.
from batch_infra.config.pool_image import (  # noqa: F401
    OS_INTENTS,
    RETIRED_OS_INTENTS,
    ImageSelector,
    PinnedImage,
)
from batch_infra.config.pool_vm import TaskContainerSettings

FIXED_KEYS = ("targetDedicatedNodes", "targetSpotNodes", "resizeTimeout", "nodeDeallocationOption")
AUTOSCALE_KEYS = ("formula", "evaluationInterval", "maxDedicatedNodes", "maxSpotNodes")


class ScaleConfig(Model):
    """Required. Fixed scale (targets) or autoscale (formula + declared maximums), by the keys; never both."""

    target_dedicated_nodes: int | None = Field(None, ge=0, le=2000)
    target_spot_nodes: int | None = Field(None, ge=0, le=1000)
    resize_timeout: Duration | None = None
    node_deallocation_option: Literal["Requeue", "Terminate", "TaskCompletion"] | None = None
    formula: str | None = promotable(None)
    evaluation_interval: Duration | None = None
    max_dedicated_nodes: int | None = Field(None, ge=0, le=2000)
    max_spot_nodes: int | None = Field(None, ge=0, le=1000)

    @model_validator(mode="before")
    @classmethod
    def _exclusive(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for old in ("targetLowPriorityNodes", "maxLowPriorityNodes"):
            if old in data:
                raise retired(f"{old} (low-priority nodes)", "2025-09-30",
                              f"use {old.replace('LowPriority', 'Spot')} (Spot nodes)", at=old)
        fixed = [k for k in FIXED_KEYS if k in data]
        auto = [k for k in AUTOSCALE_KEYS if k in data]
        if fixed and auto:
            raise invalid(f"scale mixes fixed keys ({', '.join(fixed)}) "
                          f"with autoscale keys ({', '.join(auto)})",
                          "use either targets (fixed scale) or formula + maxDedicatedNodes (autoscale), "
                          "never both",
                          at=auto[0])
        if auto and "formula" not in data:
            raise invalid("autoscale keys without a formula", "add scale.formula or use targetDedicatedNodes",
                          at="formula")
        if "formula" in data and "maxDedicatedNodes" not in data:
            raise invalid("an autoscale pool needs maxDedicatedNodes",
                          "declare the most dedicated nodes the formula may ask for "
                          "(quota checks and the cap use it)",
                          at="maxDedicatedNodes")
        if not fixed and not auto:
            raise invalid("scale names neither targets nor a formula",
                          "set targetDedicatedNodes (and/or targetSpotNodes) for a fixed pool, or formula + "
                          "maxDedicatedNodes for autoscale", at="targetDedicatedNodes")
        return data

    @field_validator("resize_timeout")
    @classmethod
    def _timeout(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value < timedelta(minutes=5):
            raise invalid("resizeTimeout must be at least 5 minutes", "use PT5M or longer (Azure's minimum)")
        return value

    @field_validator("evaluation_interval")
    @classmethod
    def _interval(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and not timedelta(minutes=5) <= value <= timedelta(hours=168):
            raise invalid("must be between 5 minutes and 168 hours",
                          "use an ISO 8601 duration from PT5M to PT168H")
        return value

    @field_validator("formula")
    @classmethod
    def _formula(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.strip():
            raise invalid("formula is empty", "write an autoscale formula that sets $TargetDedicatedNodes")
        if len(value.encode()) > 8192:
            raise invalid(f"formula is {len(value.encode())} bytes; Azure's limit is 8192",
                          "shorten the formula")
        from batch_infra.autoscale import check  # the same checker the pool provider runs before deploy

        if errors := check(value).errors:
            raise invalid("; ".join(str(e) for e in errors),
                          "correct the formula (`batch-infra autoscale check FILE` explains each error)")
        return value

    @property
    def is_autoscale(self) -> bool:
        return self.formula is not None

    @property
    def max_dedicated(self) -> int:
        """Most dedicated nodes this pool can have: its target (fixed) or declared maximum (autoscale)."""
        value = self.max_dedicated_nodes if self.is_autoscale else self.target_dedicated_nodes
        return value or 0

    @property
    def max_spot(self) -> int:
        value = self.max_spot_nodes if self.is_autoscale else self.target_spot_nodes
        return value or 0

    @property
    def interval(self) -> timedelta:
        return self.evaluation_interval or timedelta(minutes=15)

    @property
    def timeout(self) -> timedelta:
        return self.resize_timeout or timedelta(minutes=15)

    @property
    def deallocation(self) -> str:
        return self.node_deallocation_option or "Requeue"


class ResourceFile(Model):
    auto_storage_container_name: str | None = None
    storage_container_url: str | None = None
    http_url: str | None = None
    blob_prefix: str | None = None
    file_path: str | None = None
    file_mode: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> ResourceFile:
        sources = [self.auto_storage_container_name, self.storage_container_url, self.http_url]
        if sum(s is not None for s in sources) != 1:
            raise invalid("a resource file needs exactly one of "
                          "autoStorageContainerName, storageContainerUrl, httpUrl",
                          "keep one source per resource file")
        if self.http_url is not None and not self.file_path:
            raise invalid("a resource file with httpUrl needs filePath",
                          "add filePath (where the file lands on the node)")
        if self.file_mode is not None and not re.fullmatch(r"0?[0-7]{3}", self.file_mode):
            raise invalid(f"fileMode {self.file_mode!r} is not an octal mode", "use e.g. 0755")
        return self


class StartTask(Model):
    command_line: str = promotable()
    resource_files: list[ResourceFile] = []
    environment: dict[str, str] = {}
    elevation: Literal["admin", "nonadmin"] = "nonadmin"
    wait_for_success: bool = True
    max_task_retry_count: int = Field(0, ge=-1, le=100)
    container_settings: TaskContainerSettings | None = None

    @field_validator("environment")
    @classmethod
    def _environment(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if name.upper().startswith("BATCH_INFRA_"):
                raise invalid(f"{name} is reserved: batch-infra's start task uses BATCH_INFRA_* variables",
                              "rename the variable", at=name)
        return value

    @field_validator("command_line")
    @classmethod
    def _command(cls, value: str) -> str:
        if not value.strip():
            raise invalid("commandLine is empty", "give the command the start task runs")
        return value


class KeyVaultCertificates(Model):
    """Optional. Certificates the way Azure supports today: the Key Vault VM extension on the pool."""

    # Secret URLs of Key Vault certificates, e.g. https://myvault.vault.azure.net/secrets/web-tls
    certificate_urls: list[str] = Field(min_length=1)
    # The pool's user-assigned identity that may read the certificates (Key Vault Secrets User).
    identity: str
    polling_interval: Duration = timedelta(hours=1)
    linux_store_location: str = "/var/lib/waagent/Microsoft.Azure.KeyVault.Store"

    @field_validator("certificate_urls")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        pattern = re.compile(r"^https://[a-z0-9-]{3,24}\.vault\.azure\.(net|cn|us)/secrets/[A-Za-z0-9-]{1,127}(/[0-9a-f]{32})?$")
        for url in value:
            if not pattern.match(url):
                raise invalid(f"{url!r} is not a Key Vault certificate secret URL",
                              "use https://<vault>.vault.azure.net/secrets/<certificate-name>")
        return value

    @field_validator("identity")
    @classmethod
    def _identity(cls, value: str) -> str:
        return check_identity_id(value)


class UserAccount(Model):
    name: str
    elevation: Literal["admin", "nonadmin"] = "nonadmin"
    ssh_public_keys: list[str] = []
    # Name of a secret config key (pulumi config set --secret <key>) holding the password.
    password_secret: str | None = None
    uid: int | None = Field(None, ge=0)
    gid: int | None = Field(None, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _no_plain_password(cls, data: Any) -> Any:
        if isinstance(data, dict) and "password" in data:
            raise invalid("a password may not be written in the stack file",
                          "store it with `pulumi config set --secret <key>` and set passwordSecret: <key>",
                          at="password")
        return data

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z_][a-z0-9_-]{0,31}", value):
            raise invalid(f"{value!r} is not a valid Linux user name",
                          "use 1-32 lowercase letters, digits, _ or -")
        return value

    @field_validator("ssh_public_keys")
    @classmethod
    def _keys(cls, value: list[str]) -> list[str]:
        for key in value:
            if not re.match(r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) "
                            r"[A-Za-z0-9+/]+=*( .*)?$", key):
                raise invalid(f"{key[:30]!r}... is not an OpenSSH public key",
                              "paste the single line of your id_ed25519.pub (ssh-ed25519 AAAA...)")
        return value

    @model_validator(mode="after")
    def _can_log_in(self) -> UserAccount:
        if not self.ssh_public_keys and not self.password_secret:
            raise invalid(f"user {self.name!r} has neither sshPublicKeys nor passwordSecret",
                          "add an SSH public key", at="sshPublicKeys")
        return self


class DataDisk(Model):
    lun: int = Field(ge=0, le=63)
    disk_size_gb: int = Field(ge=1, le=32767, alias="diskSizeGB")
    caching: Literal["None", "ReadOnly", "ReadWrite"] = "ReadOnly"
    storage_account_type: Literal["Standard_LRS", "Premium_LRS", "StandardSSD_LRS"] = "Premium_LRS"


class OsDisk(Model):
    ephemeral: bool = False
    disk_size_gb: int | None = Field(None, ge=30, le=4095, alias="diskSizeGB")
    # Omitted: ReadOnly for an ephemeral disk (the only caching Azure accepts there), else ReadWrite.
    caching: Literal["None", "ReadOnly", "ReadWrite"] = "ReadWrite"
    storage_account_type: Literal["Standard_LRS", "Premium_LRS", "StandardSSD_LRS"] = "Premium_LRS"
    write_accelerator_enabled: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _caching(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("ephemeral") and "caching" not in data:
            return {**data, "caching": "ReadOnly"}
        return data


class PoolNetwork(Model):
    # "environment": the subnet this stack creates; "none": no VNet (Azure's default networking).
    subnet: Literal["environment", "none"] = "environment"
    public_ip_provisioning: Literal["BatchManaged", "UserManaged", "NoPublicIPAddresses"] = "BatchManaged"
    public_ip_ids: list[str] = []
    accelerated_networking: bool = False
    endpoint_configuration: EndpointConfiguration | None = None

    @model_validator(mode="after")
    def _public_ips(self) -> PoolNetwork:
        if self.endpoint_configuration and self.public_ip_provisioning == "NoPublicIPAddresses":
            raise invalid("inbound NAT pools need public IPs, and publicIpProvisioning is "
                          "NoPublicIPAddresses",
                          "remove endpointConfiguration (reach the nodes through the VNet), or use "
                          "publicIpProvisioning: BatchManaged", at="endpointConfiguration")
        if self.public_ip_provisioning == "UserManaged" and not self.public_ip_ids:
            raise invalid("publicIpProvisioning UserManaged needs publicIpIds",
                          "list the public IP resource ids", at="publicIpIds")
        if self.public_ip_provisioning != "UserManaged" and self.public_ip_ids:
            raise invalid("publicIpIds are only used with publicIpProvisioning UserManaged",
                          "set publicIpProvisioning: UserManaged or remove publicIpIds", at="publicIpIds")
        if self.public_ip_provisioning == "NoPublicIPAddresses" and self.subnet == "none":
            raise invalid("a pool without public IPs needs a subnet", "set subnet: environment", at="subnet")
        return self
