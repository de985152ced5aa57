"""Pool validation of the API 2025-06-01 VM sections, endpoints, mounts and upgrade policy, as Azure does it.

Rules and limits are those of the 2025-06-01 reference descriptions (OSDisk, SecurityProfile, InboundNatPool,
NetworkSecurityGroupRule, PoolEndpointConfiguration, MountConfiguration, TaskContainerSettings, UpgradePolicy)
and the spec's `required` / `minimum` / `maximum`. Refusals use Batch's documented InvalidPropertyValue and
MissingRequiredProperty codes with the property path as target (ERRORS.md). Which refusal Azure returns first
when a body breaks several rules is unverified.
"""

from __future__ import annotations

from typing import Any

from batch_infra.emulator import catalog
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.services.batch_mgmt.models import common

VMC = "properties.deploymentConfiguration.virtualMachineConfiguration"
INVALID_VALUE = "The value provided for one of the properties in the request body is invalid."
MOUNT_KINDS = {
    "azureBlobFileSystemConfiguration": ("accountName", "containerName", "relativeMountPath"),
    "nfsMountConfiguration": ("source", "relativeMountPath"),
    "cifsMountConfiguration": ("userName", "source", "relativeMountPath", "password"),
    "azureFileShareConfiguration": ("accountName", "azureFileUrl", "accountKey", "relativeMountPath"),
}


def check(props: dict[str, Any], location: str, current: dict[str, Any] | None = None) -> None:
    """Validate the sections present in `props` (a full body, or a PATCH with `current` for the rest)."""
    merged = {**(current or {}), **props}
    vmc = ((merged.get("deploymentConfiguration") or {}).get("virtualMachineConfiguration")) or {}
    if "deploymentConfiguration" in props or "vmSize" in props:
        check_vm_configuration(vmc, merged.get("vmSize"), location)
    if "networkConfiguration" in props:
        check_endpoints(props.get("networkConfiguration") or {})
    if "mountConfiguration" in props:
        check_mounts(props.get("mountConfiguration") or [])
    if "upgradePolicy" in props:
        check_upgrade_policy(props.get("upgradePolicy"))
    if "startTask" in props or "deploymentConfiguration" in props:
        check_start_task_container(merged.get("startTask") or {}, vmc)


def check_vm_configuration(vmc: dict[str, Any], vm_size: Any, location: str) -> None:
    disk = vmc.get("osDisk") or {}
    if disk.get("ephemeralOSDiskSettings") and disk.get("caching", "ReadOnly") != "ReadOnly":
        raise _invalid(
            f"{VMC}.osDisk.caching",
            "an ephemeral OS disk supports only ReadOnly caching",
            disk.get("caching"),
        )
    security = vmc.get("securityProfile") or {}
    if security.get("uefiSettings") and not security.get("securityType"):
        raise _invalid(
            f"{VMC}.securityProfile.uefiSettings",
            "uefiSettings are used only with a securityType (trustedLaunch or confidentialVM)",
        )
    capabilities = catalog.vm_sku_capabilities(location, vm_size) if isinstance(vm_size, str) else {}
    kind = security.get("securityType")
    if kind and capabilities:
        if "V2" not in capabilities.get("HyperVGenerations", "V1").split(","):
            raise _invalid(
                f"{VMC}.securityProfile.securityType",
                f"{kind} needs a Generation 2 VM size; {vm_size} supports only Generation 1",
                kind,
            )
        if kind == "trustedLaunch" and capabilities.get("TrustedLaunchDisabled") == "True":
            raise _invalid(
                f"{VMC}.securityProfile.securityType",
                f"the VM size {vm_size} does not support trusted launch",
                kind,
            )
        if kind == "confidentialVM" and not capabilities.get("ConfidentialComputingType"):
            raise _invalid(
                f"{VMC}.securityProfile.securityType",
                f"the VM size {vm_size} is not a confidential VM size (e.g. Standard_DC4as_v5)",
                kind,
            )
    if security.get("encryptionAtHost") and capabilities.get("EncryptionAtHostSupported") == "False":
        raise _invalid(
            f"{VMC}.securityProfile.encryptionAtHost",
            f"the VM size {vm_size} does not support encryption at host",
            True,
        )
    container = vmc.get("containerConfiguration")
    if container is not None:
        if not isinstance(container, dict) or container.get("type") not in (
            "DockerCompatible",
            "CriCompatible",
        ):
            raise _invalid(
                f"{VMC}.containerConfiguration.type", "type must be DockerCompatible or CriCompatible"
            )
        for index, registry in enumerate(container.get("containerRegistries") or []):
            _check_registry(registry, f"{VMC}.containerConfiguration.containerRegistries[{index}]")
    for index, extension in enumerate(vmc.get("extensions") or []):
        _require(extension, ("name", "publisher", "type"), f"{VMC}.extensions[{index}]")
    placement = (vmc.get("nodePlacementConfiguration") or {}).get("policy")
    if placement not in (None, "Regional", "Zonal"):
        raise _invalid(
            f"{VMC}.nodePlacementConfiguration.policy", "policy must be Regional or Zonal", placement
        )


def check_endpoints(network: dict[str, Any]) -> None:
    endpoints = network.get("endpointConfiguration")
    if endpoints is None:
        return
    where = "properties.networkConfiguration.endpointConfiguration"
    provision = (network.get("publicIPAddressConfiguration") or {}).get("provision")
    if provision == "NoPublicIPAddresses":
        raise _invalid(
            where,
            "inbound NAT pools need public IP addresses; publicIPAddressConfiguration."
            "provision is NoPublicIPAddresses",
        )
    pools = endpoints.get("inboundNatPools") or []
    if not 1 <= len(pools) <= 5:
        raise _invalid(f"{where}.inboundNatPools", "a pool takes 1 to 5 inbound NAT pools", len(pools))
    ranges, rules = [], []
    for index, nat in enumerate(pools):
        path = f"{where}.inboundNatPools[{index}]"
        _require(
            nat, ("name", "protocol", "backendPort", "frontendPortRangeStart", "frontendPortRangeEnd"), path
        )
        if nat["backendPort"] in (29876, 29877) or not 1 <= nat["backendPort"] <= 65535:
            raise _invalid(
                f"{path}.backendPort",
                "backendPort must be 1-65535 and not 29876 or 29877",
                nat["backendPort"],
            )
        start, end = nat["frontendPortRangeStart"], nat["frontendPortRangeEnd"]
        if not 1 <= start <= end <= 65534 or end - start + 1 < 40 or (start <= 55000 and end >= 50000):
            raise _invalid(
                f"{path}.frontendPortRangeStart",
                "the frontend port range must lie in 1-65534 outside 50000-55000 and hold at least 40 ports",
                f"{start}-{end}",
            )
        ranges.append((start, end))
        rules += [
            (f"{path}.networkSecurityGroupRules[{i}]", r)
            for i, r in enumerate(nat.get("networkSecurityGroupRules") or [])
        ]
    if len({p.get("backendPort") for p in pools}) != len(pools) or len({p.get("name") for p in pools}) != len(
        pools
    ):
        raise _invalid(f"{where}.inboundNatPools", "names and backend ports must be unique within the pool")
    ordered = sorted(ranges)
    if any(b[0] <= a[1] for a, b in zip(ordered, ordered[1:], strict=False)):
        raise _invalid(f"{where}.inboundNatPools", "frontend port ranges must not overlap")
    _check_rules(rules, where)


def _check_rules(rules: list[tuple[str, dict[str, Any]]], where: str) -> None:
    if len(rules) > 25:
        raise _invalid(where, "at most 25 network security group rules across all endpoints", len(rules))
    for path, rule in rules:
        _require(rule, ("priority", "access", "sourceAddressPrefix"), path)
        if not 150 <= rule["priority"] <= 4096:
            raise _invalid(f"{path}.priority", "priority must be 150-4096", rule["priority"])
    priorities = [r["priority"] for _, r in rules]
    if len(set(priorities)) != len(priorities):
        raise _invalid(where, "network security group rule priorities must be unique within the pool")


def check_mounts(mounts: list[Any]) -> None:
    paths = []
    for index, mount in enumerate(mounts):
        where = f"properties.mountConfiguration[{index}]"
        kinds = [k for k in MOUNT_KINDS if (mount or {}).get(k)]
        if len(kinds) != 1:
            raise _invalid(where, "each mount configuration names exactly one file system", len(kinds))
        _require(mount[kinds[0]], MOUNT_KINDS[kinds[0]], f"{where}.{kinds[0]}")
        blob = mount.get("azureBlobFileSystemConfiguration") or {}
        credentials = [k for k in ("accountKey", "sasKey", "identityReference") if blob.get(k)]
        if blob and len(credentials) != 1:
            raise _invalid(
                f"{where}.azureBlobFileSystemConfiguration",
                "give exactly one of accountKey, sasKey and identityReference",
            )
        paths.append(mount[kinds[0]]["relativeMountPath"])
    if len(set(paths)) != len(paths):
        raise _invalid("properties.mountConfiguration", "relativeMountPath must be unique within the pool")


def check_upgrade_policy(policy: Any) -> None:
    where = "properties.upgradePolicy"
    if not isinstance(policy, dict) or policy.get("mode") not in ("automatic", "manual", "rolling"):
        raise AzureError(
            400,
            "MissingRequiredProperty",
            "upgradePolicy needs mode (automatic, manual or rolling).",
            target=f"{where}.mode",
        )
    rolling = policy.get("rollingUpgradePolicy") or {}
    for name, low in (
        ("maxBatchInstancePercent", 5),
        ("maxUnhealthyInstancePercent", 5),
        ("maxUnhealthyUpgradedInstancePercent", 0),
    ):
        if name in rolling and not low <= rolling[name] <= 100:
            raise _invalid(f"{where}.rollingUpgradePolicy.{name}", f"{name} must be {low}-100", rolling[name])


def check_start_task_container(task: dict[str, Any], vmc: dict[str, Any]) -> None:
    settings = task.get("containerSettings")
    if not settings:
        return
    where = "properties.startTask.containerSettings"
    if not vmc.get("containerConfiguration"):
        raise _invalid(where, "containerSettings need a pool with containerConfiguration")
    _require(settings, ("imageName",), where)
    if settings.get("registry"):
        _check_registry(settings["registry"], f"{where}.registry")


def _check_registry(registry: Any, where: str) -> None:
    login = bool(registry.get("username") or registry.get("password"))
    if login and registry.get("identityReference"):
        raise _invalid(where, "a container registry takes username/password or identityReference, not both")
    if login and not (registry.get("username") and registry.get("password")):
        raise _invalid(where, "a registry login needs both username and password")


def _require(value: Any, names: tuple[str, ...], where: str) -> None:
    for name in names:
        if not isinstance(value, dict) or value.get(name) in (None, ""):
            raise AzureError(
                400, "MissingRequiredProperty", f"{where} needs {name}.", target=f"{where}.{name}"
            )


def _invalid(target: str, reason: str, value: Any = None) -> AzureError:
    return common.property_error(
        400,
        "InvalidPropertyValue",
        INVALID_VALUE,
        path=target,
        reason=reason[0].upper() + reason[1:] + ".",
        value=value,
    )
