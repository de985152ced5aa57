"""Cross-property rules of one pool that Azure enforces (or that decide whether the pool is usable).

Each function returns the problems it finds (errors made with config.base.invalid, each with its fix);
PoolConfig raises the first. Kept apart from the models so each rule reads on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from batch_infra.config.base import invalid
from batch_infra.config.pool_endpoints import RDP_PORT, SSH_PORT

if TYPE_CHECKING:
    from batch_infra.config.pools import PoolConfig


def all_problems(pool: PoolConfig) -> list[Any]:
    return [
        *login_reachability(pool),
        *os_disk(pool),
        *containers(pool),
        *identities_used(pool),
        *mounts(pool),
        *security(pool),
        *windows_only(pool),
        *extensions(pool),
    ]


def login_reachability(pool: PoolConfig) -> list[Any]:
    """Since API 2024-07-01 Batch opens no SSH/RDP port by default: users must be reachable somehow."""
    if not pool.user_accounts or pool.network.public_ip_provisioning == "NoPublicIPAddresses":
        return []  # no users, or nodes reached privately through the environment's VNet
    os_type = pool.image.os_type()
    ssh_users = [u.name for u in pool.user_accounts if u.ssh_public_keys or os_type == "linux"]
    endpoints = pool.network.endpoint_configuration
    if ssh_users and os_type != "windows" and not (endpoints and endpoints.reaches(SSH_PORT)):
        return [
            invalid(
                f"user(s) {', '.join(ssh_users)} log in over SSH, but no inbound NAT pool reaches port 22 "
                "(Batch opens no SSH port by default since API 2024-07-01)",
                "add network.endpointConfiguration.inboundNatPools with one NAT pool: name: ssh, "
                "protocol: TCP, backendPort: 22, frontendPortRangeStart: 40000, "
                "frontendPortRangeEnd: 40099, networkSecurityGroupRules: priority 150, access Allow, "
                "sourceAddressPrefix <your office CIDR>",
                at=["network", "endpointConfiguration"],
            )
        ]
    if os_type == "windows" and not (endpoints and endpoints.reaches(RDP_PORT)):
        return [
            invalid(
                "Windows user accounts log in over RDP, but no inbound NAT pool reaches port 3389 "
                "(Batch opens no RDP port by default since API 2024-07-01)",
                "add network.endpointConfiguration.inboundNatPools with backendPort: 3389 and an Allow "
                "rule for "
                "your office CIDR",
                at=["network", "endpointConfiguration"],
            )
        ]
    return []


def os_disk(pool: PoolConfig) -> list[Any]:
    disk = pool.os_disk
    if disk is None or not disk.ephemeral:
        return []
    if disk.caching != "ReadOnly":
        return [
            invalid(
                f"an ephemeral OS disk must use ReadOnly caching (Azure refuses {disk.caching})",
                "set osDisk.caching: ReadOnly, or remove caching (ReadOnly is then chosen)",
                at=["osDisk", "caching"],
            )
        ]
    return []


def containers(pool: PoolConfig) -> list[Any]:
    config = pool.container_configuration
    task = pool.start_task
    if task is not None and task.container_settings is not None and config is None:
        return [
            invalid(
                "startTask.containerSettings needs a container pool",
                "add containerConfiguration (type DockerCompatible), or remove containerSettings",
                at=["startTask", "containerSettings"],
            )
        ]
    if (
        task is not None
        and task.container_settings is not None
        and any(u.ssh_public_keys for u in pool.user_accounts)
    ):
        return [
            invalid(
                "sshPublicKeys are installed on the host by the start task, which cannot happen "
                "inside a container",
                "remove startTask.containerSettings, or the sshPublicKeys",
                at=["startTask", "containerSettings"],
            )
        ]
    if config is None or pool.image.virtual_machine_image_id is not None:
        return []
    needed = "DockerCompatible" if config.type == "DockerCompatible" else None
    if needed and needed.lower() not in {c.lower() for c in pool.image.capabilities}:
        return [
            invalid(
                f"a {config.type} container pool needs an image with the {needed} capability",
                f"add image.capabilities: [{needed}] so the selector picks a container-capable "
                "image (`batch-infra images` lists them, e.g. microsoft-dsvm/ubuntu-hpc/2204)",
                at=["image", "capabilities"],
            )
        ]
    return []


def identities_used(pool: PoolConfig) -> list[Any]:
    """Every identityReference must be one of the pool's identities (Azure resolves it on the node)."""
    known = {i.lower() for i in pool.identities}
    for path, resource_id in identity_references(pool):
        if resource_id.lower() not in known:
            return [
                invalid(
                    f"{path}.identityReference names an identity the pool does not have",
                    "add the same resource id under identities",
                    at=[*path.split("."), "identityReference"],
                )
            ]
    return []


def identity_references(pool: PoolConfig) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if pool.container_configuration:
        for index, registry in enumerate(pool.container_configuration.container_registries):
            if registry.identity_reference:
                found.append(
                    (
                        f"containerConfiguration.containerRegistries.{index}",
                        registry.identity_reference.resource_id,
                    )
                )
    for index, mount in enumerate(pool.mount_configuration):
        blob = mount.azure_blob_file_system_configuration
        if blob and blob.identity_reference:
            found.append(
                (
                    f"mountConfiguration.{index}.azureBlobFileSystemConfiguration",
                    blob.identity_reference.resource_id,
                )
            )
    task = pool.start_task
    if task and task.container_settings and task.container_settings.registry:
        registry = task.container_settings.registry
        if registry.identity_reference:
            found.append(("startTask.containerSettings.registry", registry.identity_reference.resource_id))
    key = pool.disk_encryption_configuration and pool.disk_encryption_configuration.customer_managed_key
    if key and key.identity_reference:
        found.append(("diskEncryptionConfiguration.customerManagedKey", key.identity_reference.resource_id))
    return found


def mounts(pool: PoolConfig) -> list[Any]:
    paths = [m.relative_mount_path for m in pool.mount_configuration]
    if len(set(paths)) != len(paths):
        return [
            invalid(
                "two mounts share a relativeMountPath",
                "give each mount its own relativeMountPath",
                at="mountConfiguration",
            )
        ]
    if pool.image.os_type() == "windows" and any(m.nfs_mount_configuration for m in pool.mount_configuration):
        return [
            invalid(
                "NFS mounts are for Linux pools",
                "use azureFileShareConfiguration or CIFS on Windows",
                at="mountConfiguration",
            )
        ]
    return []


def security(pool: PoolConfig) -> list[Any]:
    profile = pool.security_profile
    encryption = pool.disk_encryption_configuration
    if encryption and pool.image.os_type() == "linux" and encryption.targets == ["TemporaryDisk"]:
        return [
            invalid(
                "on Linux, Azure encrypts the temporary disk only together with the OS disk",
                "set diskEncryptionConfiguration.targets: [OsDisk, TemporaryDisk]",
                at=["diskEncryptionConfiguration", "targets"],
            )
        ]
    if profile and profile.security_type == "confidentialVM" and pool.os_disk and pool.os_disk.ephemeral:
        return [
            invalid(
                "confidential VMs cannot use an ephemeral OS disk",
                "set osDisk.ephemeral: false",
                at=["osDisk", "ephemeral"],
            )
        ]
    return []


def windows_only(pool: PoolConfig) -> list[Any]:
    if pool.image.os_type() != "linux":
        return []
    for key, value in (
        ("windowsConfiguration", pool.windows_configuration),
        ("licenseType", pool.license_type),
    ):
        if value is not None:
            return [
                invalid(
                    f"{key} is for Windows pools and this pool runs Linux",
                    f"remove {key}, or choose a Windows image",
                    at=key,
                )
            ]
    return []


def extensions(pool: PoolConfig) -> list[Any]:
    names = [e.name for e in pool.extensions]
    if len(set(names)) != len(names):
        return [invalid("two extensions share a name", "give each extension its own name", at="extensions")]
    for index, extension in enumerate(pool.extensions):
        unknown = [n for n in extension.provision_after_extensions if n not in names]
        if unknown:
            return [
                invalid(
                    f"provisionAfterExtensions names {unknown[0]!r}, which is not an extension of the pool",
                    "name another entry of extensions",
                    at=["extensions", index, "provisionAfterExtensions"],
                )
            ]
    if pool.certificates and any(e.publisher == "Microsoft.Azure.KeyVault" for e in pool.extensions):
        return [
            invalid(
                "certificates already installs the Key Vault VM extension",
                "remove the Microsoft.Azure.KeyVault entry from extensions",
                at="extensions",
            )
        ]
    return []
