"""Data-plane views of the shared pool state: management's shapes -> the data plane's lower-case ones."""

from __future__ import annotations

from typing import Any

from batch_infra.emulator import casing, redaction, specs

_NODE_STATES = (
    "creating",
    "idle",
    "offline",
    "preempted",
    "rebooting",
    "reimaging",
    "running",
    "starting",
    "startTaskFailed",
    "leavingPool",
    "unknown",
    "unusable",
    "waitingForStartTask",
    "deallocated",
    "deallocating",
    "total",
    "upgradingOS",
)


def data_etag(mgmt_etag: str) -> str:
    """The data plane's ETag: the same version as management's, without the weak prefix and quotes."""
    return mgmt_etag.removeprefix("W/").strip('"')


def pool(resource: dict[str, Any], endpoint: str) -> dict[str, Any]:
    """A BatchPool (api 2025-06-01) for a stored management Pool resource."""
    # Secrets go first, by management's flags: the data-plane spec does not flag all of them (extension
    # protectedSettings), and Azure returns none of them on either plane.
    resource = redaction.for_spec(specs.BATCH_MGMT).strip(resource, "Pool")
    props = resource["properties"]
    scale = props.get("scaleSettings") or {}
    status = props.get("resizeOperationStatus") or {}
    view: dict[str, Any] = {
        "id": resource["name"],
        "url": f"https://{endpoint}/pools/{resource['name']}",
        "eTag": data_etag(resource["etag"]),
        "lastModified": props["lastModified"],
        "creationTime": props["creationTime"],
        "state": "deleting" if props["provisioningState"] == "Deleting" else "active",
        "stateTransitionTime": props["provisioningStateTransitionTime"],
        "allocationState": props["allocationState"].lower(),
        "allocationStateTransitionTime": props["allocationStateTransitionTime"],
        "vmSize": props["vmSize"].lower(),
        "currentDedicatedNodes": props["currentDedicatedNodes"],
        "currentLowPriorityNodes": props["currentLowPriorityNodes"],
        "targetDedicatedNodes": status.get("targetDedicatedNodes", 0),
        "targetLowPriorityNodes": status.get("targetLowPriorityNodes", 0),
        "enableAutoScale": "autoScale" in scale,
        "enableInterNodeCommunication": props.get("interNodeCommunication") == "Enabled",
        "taskSlotsPerNode": props.get("taskSlotsPerNode", 1),
        "resizeTimeout": (scale.get("fixedScale") or {}).get(
            "resizeTimeout", status.get("resizeTimeout", "PT15M")
        ),
    }
    if props.get("displayName"):
        view["displayName"] = props["displayName"]
    _add_vm_configuration(view, props)
    _add_scaling(view, props, scale)
    _add_optional(view, props)
    identity = _identity(resource)
    if identity:
        view["identity"] = identity
    # The data plane's own spec decides what is secret there (it does not flag extension protectedSettings).
    return redaction.for_spec(specs.BATCH_DATA).strip(view, "BatchPool")


def node_counts(resource: dict[str, Any], unusable: str | None = None) -> dict[str, Any]:
    """BatchPoolNodeCounts: allocated nodes are idle (the emulator runs no tasks), or all unusable when
    `unusable` says why they cannot reach the account's node management endpoint."""
    props = resource["properties"]
    state = "unusable" if unusable else "idle"
    return {
        "poolId": resource["name"],
        "dedicated": _counts(props["currentDedicatedNodes"], state),
        "lowPriority": _counts(props["currentLowPriorityNodes"], state),
    }


def _counts(nodes: int, state: str = "idle") -> dict[str, int]:
    counts = dict.fromkeys(_NODE_STATES, 0)
    counts[state] = counts["total"] = nodes
    return counts


def _add_vm_configuration(view: dict[str, Any], props: dict[str, Any]) -> None:
    """Every part of management's virtualMachineConfiguration (disks, security, extensions, encryption...)
    in the data plane's names and enum spelling; the image id becomes virtualMachineImageId."""
    vmc = dict((props.get("deploymentConfiguration") or {}).get("virtualMachineConfiguration") or {})
    if not vmc:
        return
    source = vmc.pop("imageReference")
    image = {k: v for k, v in source.items() if k in ("publisher", "offer", "sku", "version")}
    if source.get("id"):
        image["virtualMachineImageId"] = source["id"]
    rest = _in_data_shape(vmc, "VirtualMachineConfiguration")
    if isinstance(rest.get("osDisk"), dict):
        # The data plane answers an OS disk that is not ephemeral with empty ephemeralOSDiskSettings
        # (Pools_GetPool_DiskEncryptionSet, Pools_GetPool_ConfidentialDiskEncryptionSet; management does not).
        rest["osDisk"].setdefault("ephemeralOSDiskSettings", {})
    view["virtualMachineConfiguration"] = {"imageReference": image, **rest}


def _in_data_shape(value: Any, definition: str) -> Any:
    """A management-plane value as the data plane spells it (nodeAgentSkuId -> nodeAgentSKUId, ReadWrite ->
    readwrite); what the data plane's `definition` lacks is left out."""
    return casing.for_spec(specs.BATCH_DATA).canonical(value, definition, drop_unknown=True)


def _identity(resource: dict[str, Any]) -> dict[str, Any] | None:
    """BatchPoolIdentity: the user-assigned identities as a list of {resourceId, clientId, principalId}."""
    identity = resource.get("identity") or {}
    users = identity.get("userAssignedIdentities") or {}
    if identity.get("type") in (None, "None") or not users:
        return None
    return {
        "type": "UserAssigned",
        "userAssignedIdentities": [{"resourceId": rid, **ids} for rid, ids in users.items()],
    }


def _add_scaling(view: dict[str, Any], props: dict[str, Any], scale: dict[str, Any]) -> None:
    auto = scale.get("autoScale")
    if auto:
        view["autoScaleFormula"] = auto["formula"]
        view["autoScaleEvaluationInterval"] = auto.get("evaluationInterval", "PT15M")
    run = props.get("autoScaleRun")
    if run:
        view["autoScaleRun"] = {"timestamp": run["evaluationTime"], "results": run.get("results", "")}
    errors = (props.get("resizeOperationStatus") or {}).get("errors") or []
    if errors:
        view["resizeErrors"] = [{"code": e["code"], "message": e["message"]} for e in errors]


def _add_optional(view: dict[str, Any], props: dict[str, Any]) -> None:
    if props.get("metadata"):
        view["metadata"] = [{"name": m["name"], "value": m["value"]} for m in props["metadata"]]
    if props.get("applicationPackages"):
        view["applicationPackageReferences"] = [
            {
                "applicationId": ref["id"].rstrip("/").rsplit("/", 1)[-1],
                **({"version": ref["version"]} if ref.get("version") else {}),
            }
            for ref in props["applicationPackages"]
        ]
    policy = props.get("taskSchedulingPolicy")
    if policy and policy.get("nodeFillType"):
        # jobDefaultOrder: "The default value is none." (BatchTaskSchedulingPolicy, 2025-06-01), answered in
        # Pools_GetPool_DiskEncryptionSet.
        view["taskSchedulingPolicy"] = {
            "nodeFillType": policy["nodeFillType"].lower(),
            "jobDefaultOrder": policy.get("jobDefaultOrder", "none").lower(),
        }
    if props.get("networkConfiguration"):
        view["networkConfiguration"] = _in_data_shape(props["networkConfiguration"], "NetworkConfiguration")
    for name, definition in _SHAPED_SECTIONS:
        value = props.get(name)
        if isinstance(value, list):
            view[name] = [_in_data_shape(item, definition) for item in value]
        elif value:
            view[name] = _in_data_shape(value, definition)
    start = props.get("startTask")
    if start and start.get("commandLine"):
        view["startTask"] = _start_task(start)
    if props.get("userAccounts"):
        view["userAccounts"] = [_user_account(u) for u in props["userAccounts"]]


_SHAPED_SECTIONS = (("mountConfiguration", "MountConfiguration"), ("upgradePolicy", "UpgradePolicy"))


def _user_account(account: dict[str, Any]) -> dict[str, Any]:
    """Management's UserAccount in the data plane's enum casing; secrets go later, by the data-plane spec."""
    user = {k: v for k, v in account.items() if k in ("name", "password")}
    if account.get("elevationLevel"):
        user["elevationLevel"] = account["elevationLevel"].lower()
    if account.get("linuxUserConfiguration"):
        user["linuxUserConfiguration"] = dict(account["linuxUserConfiguration"])
    login = (account.get("windowsUserConfiguration") or {}).get("loginMode")
    if login:
        user["windowsUserConfiguration"] = {"loginMode": login.lower()}
    return user


# What the Batch service answers for a start task that sets none of these (Microsoft's 2025-06-01 example
# Pools_GetPool_Basic): an auto-user with task scope and no admin rights, no retries, no wait.
START_TASK_DEFAULTS = {
    "userIdentity": {"autoUser": {"scope": "task", "elevationLevel": "nonadmin"}},
    "maxTaskRetryCount": 0,
    "waitForSuccess": False,
}


def _start_task(start: dict[str, Any]) -> dict[str, Any]:
    task: dict[str, Any] = {"commandLine": start["commandLine"]}
    for field in ("maxTaskRetryCount", "waitForSuccess"):
        task[field] = start.get(field, START_TASK_DEFAULTS[field])
    if start.get("environmentSettings"):
        task["environmentSettings"] = [
            {"name": e["name"], **({"value": e["value"]} if "value" in e else {})}
            for e in start["environmentSettings"]
        ]
    auto = ((start.get("userIdentity") or {}).get("autoUser")) or {}
    if auto:
        task["userIdentity"] = {
            "autoUser": {k: v.lower() for k, v in auto.items() if k in ("scope", "elevationLevel")}
        }
    elif not (start.get("userIdentity") or {}).get("userName"):
        task["userIdentity"] = START_TASK_DEFAULTS["userIdentity"]
    return task
