"""Azure's pool body -> the pool provider's input keys: refresh shows no phantom diff, adoption can compare.

The inverse of `pool_spec.build`. What Azure does not store (the image selector, declared autoscale
maximums, password secret names, the replacement policy) is taken from the prior inputs; where Azure
only echoes a default the prior inputs left out, the key stays out.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from batch_infra.autoscale.caps import cap_formula
from batch_infra.config.base import format_duration, parse_duration
from batch_infra.errors import BatchInfraError
from batch_infra.providers import pool_features, pool_spec


def read_back(pool: Mapping[str, Any], prior: Mapping[str, Any]) -> dict[str, Any]:
    """Input keys as Azure has them; `prior` are the inputs (or outputs) the pool was last given."""
    props = pool.get("properties") or {}
    vm = (props.get("deploymentConfiguration") or {}).get("virtualMachineConfiguration") or {}
    start, keys = _start_task(props.get("startTask"), prior, pool.get("name") or prior.get("id"))
    inputs = dict(prior)
    inputs.update(
        {
            "vmSize": _same_case(props.get("vmSize"), prior.get("vmSize")),
            "resolvedImage": _image(vm, prior.get("resolvedImage") or {}),
            "scale": _scale(props.get("scaleSettings") or {}, prior.get("scale") or {}),
            "taskSlotsPerNode": props.get("taskSlotsPerNode", 1),
            "nodeFillType": (props.get("taskSchedulingPolicy") or {}).get("nodeFillType", "Spread"),
            "interNodeCommunication": props.get("interNodeCommunication") == "Enabled",
            "metadata": {m["name"]: m["value"] for m in props.get("metadata") or []},
            "applicationPackages": _packages(props.get("applicationPackages") or []),
            "userAccounts": _users(props.get("userAccounts") or [], keys, prior.get("userAccounts") or []),
            "startTask": start,
            "identities": _identities(pool.get("identity") or {}, prior.get("identities") or []),
            "osDisk": _os_disk(vm.get("osDisk"), prior.get("osDisk")),
            "dataDisks": [_data_disk(d) for d in vm.get("dataDisks") or []],
            "certificates": _certificates(vm.get("extensions") or [], prior),
        }
    )
    inputs.update(pool_features.read_back(pool, prior))
    inputs["displayName"] = props.get("displayName")
    inputs.update(_network(props.get("networkConfiguration") or {}, prior))
    return inputs


def _same_case(value: Any, prior: Any) -> Any:
    """Azure compares VM sizes case-insensitively and may answer in its own casing."""
    if isinstance(value, str) and isinstance(prior, str) and value.lower() == prior.lower():
        return prior
    return value


def _image(vm: Mapping[str, Any], prior: Mapping[str, Any]) -> dict[str, Any]:
    ref = vm.get("imageReference") or {}
    if ref.get("id"):  # a custom image: the id is the whole reference
        custom = {"id": ref["id"], "nodeAgentSkuId": vm.get("nodeAgentSkuId")}
        if str(ref["id"]).lower() == str(prior.get("id")).lower():  # ids are case-insensitive
            return {**prior, **custom, "id": prior["id"]}
        return {**custom, "endOfLife": None, "selector": None}
    image = {k: ref.get(k) for k in ("publisher", "offer", "sku", "version")}
    image["nodeAgentSkuId"] = vm.get("nodeAgentSkuId")
    same = all(str(image[k]).lower() == str(prior.get(k)).lower() for k in ("publisher", "offer", "sku"))
    # The selector text and end-of-life date are batch-infra's bookkeeping about this very image.
    return {**prior, **image} if same else {**image, "endOfLife": None, "selector": None}


def _scale(settings: Mapping[str, Any], prior: Mapping[str, Any]) -> dict[str, Any]:
    if "autoScale" in settings:
        auto = settings["autoScale"]
        formula = auto.get("formula")
        if prior.get("formula") is not None:
            capped = cap_formula(
                prior["formula"], _int(prior.get("maxDedicatedNodes")), _int(prior.get("maxSpotNodes")) or 0
            )
            if capped == formula:
                formula = prior["formula"]
        scale = {
            "formula": formula,
            "maxDedicatedNodes": prior.get("maxDedicatedNodes"),
            "maxSpotNodes": prior.get("maxSpotNodes"),
        }
        _optional(scale, "evaluationInterval", _iso(auto.get("evaluationInterval")), "PT15M", prior)
        return {k: v for k, v in scale.items() if v is not None}
    fixed = settings.get("fixedScale") or {}
    scale = {"targetDedicatedNodes": fixed.get("targetDedicatedNodes", 0)}
    _optional(scale, "targetSpotNodes", fixed.get("targetLowPriorityNodes", 0), 0, prior)
    _optional(scale, "resizeTimeout", _iso(fixed.get("resizeTimeout")), "PT15M", prior)
    _optional(scale, "nodeDeallocationOption", fixed.get("nodeDeallocationOption"), None, prior)
    return scale


def _int(value: Any) -> int | None:
    """gRPC carries numbers as floats; the formula's cap must print them as Azure got them (4, not 4.0)."""
    return None if value is None else int(value)


def _optional(target: dict[str, Any], key: str, value: Any, default: Any, prior: Mapping[str, Any]) -> None:
    """Keep a key the prior inputs had, or one whose value is not Azure's default."""
    if key in prior and prior[key] is not None or value not in (default, None):
        target[key] = value


def _iso(value: Any) -> str | None:
    if value in (None, ""):
        return None
    return format_duration(parse_duration(value)) if isinstance(value, str) else format_duration(value)


def _packages(refs: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for ref in refs:
        item = {"application": str(ref["id"]).rstrip("/").rsplit("/", 1)[-1]}
        if ref.get("version"):
            item["version"] = ref["version"]
        found.append(item)
    return found


def _start_task(
    task: Mapping[str, Any] | None, prior: Mapping[str, Any], pool_id: Any
) -> tuple[Any, dict[str, list[str]]]:
    """The configured start task and the SSH keys the key-installing wrapper carries (pool_spec docs)."""
    if not task:
        return None, {}
    env = {e["name"]: e.get("value", "") for e in task.get("environmentSettings") or []}
    auto = (task.get("userIdentity") or {}).get("autoUser") or {}
    elevation = "admin" if auto.get("elevationLevel") == "Admin" else "nonadmin"  # what Azure runs it as
    command = task.get("commandLine")
    keys: dict[str, list[str]] = {}
    if pool_spec.SSH_KEYS_ENV in env:
        for line in _ssh_key_lines(env.pop(pool_spec.SSH_KEYS_ENV), pool_id):
            user, _, key = line.partition(" ")
            keys.setdefault(user, []).append(key)
        verbatim = env.pop(pool_spec.START_COMMAND_ENV, None)
        if command == _installer(verbatim):
            if verbatim is None and elevation == "admin" and not env:
                return None, keys  # the installer alone: no start task in the config
            command = verbatim
        # else: the command line was edited outside batch-infra; show it as it is (a visible diff)
    result: dict[str, Any] = {
        "commandLine": command,
        "resourceFiles": [dict(r) for r in task.get("resourceFiles") or []],
        "environment": env,
        "elevation": elevation,
        "waitForSuccess": task.get("waitForSuccess", True),
        "maxTaskRetryCount": task.get("maxTaskRetryCount", 0),
    }
    if task.get("containerSettings"):
        prior_settings = (prior.get("startTask") or {}).get("containerSettings")
        result["containerSettings"] = pool_features.restore(task["containerSettings"], prior_settings)
    return result, keys


def _ssh_key_lines(value: str, pool_id: Any) -> list[str]:
    """The "<user> <key>" lines batch-infra encoded into BATCH_INFRA_SSH_KEYS (pool_spec.start_task)."""
    try:
        return base64.b64decode(value, validate=True).decode().splitlines()
    except ValueError as err:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise BatchInfraError(
            f"pool {pool_id!r}: the start task's {pool_spec.SSH_KEYS_ENV} environment setting is not the "
            f"base64 list of SSH keys batch-infra writes ({err}); it was changed outside batch-infra",
            fix=f"in the pool's start task (Azure portal, or `az batch pool set`), remove "
            f"{pool_spec.SSH_KEYS_ENV} or restore the value batch-infra wrote, then run the command again; "
            "BATCH_INFRA_* names are reserved for batch-infra",
        ) from err


def _installer(command: str | None) -> str | None:
    try:
        return pool_spec.key_installer_command(command)
    except ValueError:
        return None


def _users(
    accounts: list[Mapping[str, Any]], keys: Mapping[str, list[str]], prior: list[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    secrets_by_name = {u.get("name"): u.get("passwordSecret") for u in prior}
    users = []
    for account in accounts:
        linux = account.get("linuxUserConfiguration") or {}
        user = {
            "name": account["name"],
            "elevation": "admin" if account.get("elevationLevel") == "Admin" else "nonadmin",
            "sshPublicKeys": keys.get(account["name"], []),
            "passwordSecret": secrets_by_name.get(account["name"]),
            "uid": linux.get("uid"),
            "gid": linux.get("gid"),
        }
        users.append(user)
    return users


def _identities(identity: Mapping[str, Any], prior: list[str]) -> list[str]:
    found = list((identity.get("userAssignedIdentities") or {}).keys())
    # Resource ids are case-insensitive and Azure may re-case them: keep the config's spelling and order.
    if sorted(i.lower() for i in found) == sorted(i.lower() for i in prior):
        return list(prior)
    return found


def _os_disk(disk: Mapping[str, Any] | None, prior: Any) -> dict[str, Any] | None:
    if not disk:
        return None
    return {
        "ephemeral": bool(disk.get("ephemeralOSDiskSettings")),
        "diskSizeGB": disk.get("diskSizeGB"),
        "caching": disk.get("caching", "ReadWrite"),
        "storageAccountType": (disk.get("managedDisk") or {}).get("storageAccountType", "Premium_LRS"),
        "writeAcceleratorEnabled": disk.get("writeAcceleratorEnabled"),
    }


def _data_disk(disk: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "lun": disk["lun"],
        "diskSizeGB": disk["diskSizeGB"],
        "caching": disk.get("caching", "ReadOnly"),
        "storageAccountType": (disk.get("managedDisk") or {}).get("storageAccountType", "Premium_LRS"),
    }


def _certificates(
    extensions: list[Mapping[str, Any]], prior_inputs: Mapping[str, Any]
) -> dict[str, Any] | None:
    prior = prior_inputs.get("certificates")
    vault = [e for e in extensions if pool_features.is_certificate_extension(e)]
    configured = [
        e for e in prior_inputs.get("extensions") or [] if pool_features.is_certificate_extension(e)
    ]
    if not vault or (configured and not prior):  # the user's own Key Vault extension, under `extensions`
        return None
    settings = vault[0].get("settings") or {}
    management = settings.get("secretsManagementSettings") or {}
    urls = [c["url"] if isinstance(c, Mapping) else c for c in management.get("observedCertificates") or []]
    found = {
        "certificateUrls": urls,
        "identity": (prior or {}).get("identity"),
        "pollingInterval": format_duration(
            parse_duration(f"PT{management.get('pollingIntervalInS', 3600)}S")
        ),
    }
    if "certificateStoreLocation" in management:
        found["linuxStoreLocation"] = management["certificateStoreLocation"]
    return found


def _network(config: Mapping[str, Any], prior: Mapping[str, Any]) -> dict[str, Any]:
    public = config.get("publicIPAddressConfiguration") or {}
    network = {
        "subnet": "environment" if config.get("subnetId") else "none",
        "publicIpProvisioning": public.get("provision", "BatchManaged"),
        "publicIpIds": list(public.get("ipAddressIds") or []),
        "acceleratedNetworking": bool(config.get("enableAcceleratedNetworking")),
    }
    prior_endpoints = (prior.get("network") or {}).get("endpointConfiguration")
    if config.get("endpointConfiguration") or prior_endpoints is not None:
        network["endpointConfiguration"] = pool_features.restore(config.get("endpointConfiguration"),
                                                                 prior_endpoints)
    subnet = config.get("subnetId")
    prior_subnet = prior.get("subnetId")
    if isinstance(subnet, str) and isinstance(prior_subnet, str) and subnet.lower() == prior_subnet.lower():
        subnet = prior_subnet
    if not subnet and (prior.get("network") or {}).get("subnet") == "none":
        subnet = prior_subnet  # passed to the provider but, by config, not used
    return {"network": network, "subnetId": subnet or None}
