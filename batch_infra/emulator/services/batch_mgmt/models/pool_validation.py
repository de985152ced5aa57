"""Pool validation as Azure applies it: VM size, image/agent pair, retired features, immutability."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from batch_infra.emulator import catalog
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.services.batch_mgmt.models import autoscale_bridge, common, pool_vm_validation

# Properties Pool-Update can change while the pool has nodes (API >= 2024-07-01); others need 0 nodes.
UPDATABLE_WITH_NODES = frozenset({"applicationPackages", "metadata", "scaleSettings", "startTask"})
READ_ONLY = frozenset(
    {
        "lastModified",
        "creationTime",
        "provisioningState",
        "provisioningStateTransitionTime",
        "allocationState",
        "allocationStateTransitionTime",
        "currentDedicatedNodes",
        "currentLowPriorityNodes",
        "autoScaleRun",
        "resizeOperationStatus",
    }
)
SETTABLE = frozenset(
    {
        "displayName",
        "vmSize",
        "deploymentConfiguration",
        "scaleSettings",
        "interNodeCommunication",
        "networkConfiguration",
        "taskSlotsPerNode",
        "taskSchedulingPolicy",
        "userAccounts",
        "metadata",
        "startTask",
        "applicationPackages",
        "mountConfiguration",
        "upgradePolicy",
    }
)
MAX_TASK_SLOTS = 256
# Azure's fixed messages, quoted in real error bodies (Azure/Batch#85, terraform-provider-azurerm#14095).
CANNOT_UPDATE = "A property that cannot be updated was specified as part of the request."
INVALID_VALUE = "The value provided for one of the properties in the request body is invalid."


def check_pool_name(name: str) -> None:
    if not re.match(common.CHILD_NAME_PATTERN, name):
        raise AzureError(
            400,
            "InvalidParameter",
            f"The pool name '{name}' is invalid: use 1 to 64 letters, digits, hyphens and underscores.",
            target="poolName",
        )


def check_properties(props: dict[str, Any], location: str, now: datetime) -> catalog.VmSku:
    """Everything a create (or a full PUT) must satisfy; returns the VM size from the catalog."""
    _refuse_retired(props)
    unknown = sorted(set(props) - SETTABLE - READ_ONLY)
    if unknown:
        raise _invalid(
            f"properties.{unknown[0]}", f"'{unknown[0]}' is not a pool property in api-version 2025-06-01"
        )
    sku = check_vm_size(props.get("vmSize"), location)
    check_deployment(props.get("deploymentConfiguration"), now)
    check_scale_settings(props.get("scaleSettings"))
    check_task_slots(props.get("taskSlotsPerNode", 1), sku)
    pool_vm_validation.check(props, location)
    return sku


def check_update(
    props: dict[str, Any], location: str, now: datetime, current: dict[str, Any] | None = None
) -> catalog.VmSku | None:
    """Validation of the properties a PATCH sends (each one only if present)."""
    _refuse_retired(props)
    read_only = sorted(set(props) & READ_ONLY)
    if read_only:
        raise _invalid(f"properties.{read_only[0]}", f"'{read_only[0]}' is read-only")
    unknown = sorted(set(props) - SETTABLE)
    if unknown:
        raise _invalid(f"properties.{unknown[0]}", f"'{unknown[0]}' is not a pool property")
    sku = check_vm_size(props["vmSize"], location) if "vmSize" in props else None
    if "deploymentConfiguration" in props:
        check_deployment(props["deploymentConfiguration"], now)
    if "scaleSettings" in props:
        check_scale_settings(props["scaleSettings"])
    if "taskSlotsPerNode" in props and sku is not None:
        check_task_slots(props["taskSlotsPerNode"], sku)
    pool_vm_validation.check(props, location, current)
    return sku


def check_immutable(current: dict[str, Any], changes: dict[str, Any], node_count: int, pool: str) -> None:
    """PropertyCannotBeUpdated for a change Azure only accepts while the pool has no nodes, and for any
    change of the VM extensions: "Existing pools can't be updated with the Key Vault VM extension. Recreate
    your pool." (learn.microsoft.com/azure/batch/batch-certificate-migration-guide)."""
    if "deploymentConfiguration" in changes and _extensions(changes) != _extensions(current):
        raise common.property_error(
            400,
            "PropertyCannotBeUpdated",
            CANNOT_UPDATE,
            path=f"properties.{EXTENSIONS}",
            reason=f"{CANNOT_UPDATE} The VM extensions of pool '{pool}' cannot change on an existing pool: "
            "recreate the pool.",
        )
    if node_count == 0:
        return
    for name in sorted(changes):
        if name in UPDATABLE_WITH_NODES or name in READ_ONLY or changes[name] == current.get(name):
            continue
        raise common.property_error(
            400,
            "PropertyCannotBeUpdated",
            CANNOT_UPDATE,
            path=f"properties.{name}",
            reason=f"{CANNOT_UPDATE} '{name}' of pool '{pool}' can change only while the pool has 0 nodes "
            f"(it has {node_count}): scale the pool to 0 nodes, update it, then scale it back.",
        )


EXTENSIONS = "deploymentConfiguration.virtualMachineConfiguration.extensions"


def _extensions(props: dict[str, Any]) -> Any:
    vm = (props.get("deploymentConfiguration") or {}).get("virtualMachineConfiguration") or {}
    return vm.get("extensions") or []


def check_vm_size(vm_size: Any, location: str) -> catalog.VmSku:
    if not isinstance(vm_size, str) or not vm_size:
        raise AzureError(
            400, "MissingRequiredProperty", "A pool needs properties.vmSize.", target="properties.vmSize"
        )
    sku = catalog.find_vm_sku(location, vm_size)
    if sku is None:
        raise _invalid(
            "properties.vmSize",
            f"the VM size '{vm_size}' is not offered by Batch in '{location}' "
            "(see Location_ListSupportedVirtualMachineSkus)",
        )
    return sku


def check_deployment(deployment: Any, now: datetime) -> None:
    if not isinstance(deployment, dict) or "virtualMachineConfiguration" not in deployment:
        raise AzureError(
            400,
            "MissingRequiredProperty",
            "A pool needs properties.deploymentConfiguration.virtualMachineConfiguration.",
            target="properties.deploymentConfiguration",
        )
    vmc = deployment["virtualMachineConfiguration"]
    where = "properties.deploymentConfiguration.virtualMachineConfiguration"
    if not isinstance(vmc, dict) or not vmc.get("imageReference") or not vmc.get("nodeAgentSkuId"):
        raise AzureError(
            400,
            "MissingRequiredProperty",
            "virtualMachineConfiguration needs imageReference and nodeAgentSkuId.",
            target=where,
        )
    check_image(vmc["imageReference"], vmc["nodeAgentSkuId"], now, where)


def check_image(ref: dict[str, Any], agent: str, now: datetime, where: str) -> None:
    """The image and node agent SKU must be a supported pair whose batchSupportEndOfLife has not passed."""
    if not isinstance(ref, dict):
        raise _invalid(f"{where}.imageReference", "imageReference must be an object")
    custom = ref.get("id") or ref.get("sharedGalleryImageId") or ref.get("communityGalleryImageId")
    if custom:
        entries = [e for e in catalog.supported_images() if e["nodeAgentSKUId"].lower() == agent.lower()]
        if not entries:
            raise _invalid(f"{where}.nodeAgentSkuId", "the specified nodeAgentSKUId does not exist", agent)
        if all(catalog.end_of_life_passed(e, now) for e in entries):
            raise _invalid(
                f"{where}.nodeAgentSkuId",
                f"node agent SKU '{agent}' reached end of life on "
                f"{entries[0]['batchSupportEndOfLife'][:10]}; rebuild the image on a supported OS",
            )
        return
    entries = catalog.find_image(ref)
    label = "/".join(str(ref.get(k)) for k in ("publisher", "offer", "sku"))
    if not entries:
        raise _invalid(
            f"{where}.imageReference",
            f"the image '{label}' is not a Batch supported image (see GET /supportedimages)",
        )
    paired = [e for e in entries if e["nodeAgentSKUId"].lower() == agent.lower()]
    if not paired:
        expected = ", ".join(sorted({e["nodeAgentSKUId"] for e in entries}))
        raise _invalid(
            f"{where}.nodeAgentSkuId",
            f"the specified nodeAgentSKUId does not exist for image '{label}'; use {expected}",
            agent,
        )
    if catalog.end_of_life_passed(paired[0], now):
        raise _invalid(
            f"{where}.imageReference",
            f"Batch support for image '{label}' with '{agent}' ended on "
            f"{paired[0]['batchSupportEndOfLife'][:10]}; choose a supported image",
        )


def check_scale_settings(scale: Any) -> None:
    if scale is None:
        return
    if not isinstance(scale, dict) or ("fixedScale" in scale) == ("autoScale" in scale):
        raise _invalid("properties.scaleSettings", "give exactly one of fixedScale and autoScale")
    if "autoScale" in scale:
        auto = scale["autoScale"] or {}
        autoscale_bridge.check(auto.get("formula"), "properties.scaleSettings.autoScale.formula")
        return
    fixed = scale["fixedScale"] or {}
    for field in ("targetDedicatedNodes", "targetLowPriorityNodes"):
        value = fixed.get(field, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _invalid(
                f"properties.scaleSettings.fixedScale.{field}", f"{field} must be a whole number >= 0"
            )


def check_task_slots(slots: Any, sku: catalog.VmSku) -> None:
    limit = min(MAX_TASK_SLOTS, 4 * sku.vcpus)
    if not isinstance(slots, int) or isinstance(slots, bool) or not 1 <= slots <= limit:
        raise _invalid(
            "properties.taskSlotsPerNode",
            f"taskSlotsPerNode must be 1..{limit} for {sku.name} "
            f"({sku.vcpus} vCPUs: at most 4 per vCPU and 256)",
        )


def _refuse_retired(props: dict[str, Any]) -> None:
    if props.get("certificates"):
        raise AzureError(
            400,
            "CertificateRetired",
            "Batch account certificates were retired on 2024-02-29 and pools "
            "can no longer reference them; use the Azure Key Vault VM extension with a user-assigned "
            "managed identity instead.",
            target="properties.certificates",
        )
    if "cloudServiceConfiguration" in (props.get("deploymentConfiguration") or {}):
        raise _invalid(
            "properties.deploymentConfiguration.cloudServiceConfiguration",
            "CloudServiceConfiguration pools were retired on 2024-02-29; use virtualMachineConfiguration",
        )
    if props.get("applicationLicenses"):
        raise _invalid(
            "properties.applicationLicenses", "pay-for-use application licensing was retired on 2024-02-29"
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
