"""Is an existing pool identical to the one the config would create? Compared over every writable property.

`read_back` maps only what batch-infra configures, so a pool with a mount, an extra VM extension, a start
task in a container or with task-scoped auto-user, or an upgrade policy would read back "identical". This
module compares Azure's body with the body `pool_spec.build` would send, property by property, over every
writable property of the Pool (API 2025-06-01 `PoolProperties` without its readOnly members), and reports
anything Azure has that the config does not say, unless it is the value Azure uses when nothing is set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# PoolProperties of Microsoft.Batch 2025-06-01 that are not readOnly (tests/providers pin this to the spec).
WRITABLE_PROPERTIES = (
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
)
# Values Azure reports for a setting nobody made: equal to leaving it out (paths without list indices).
DEFAULTS: dict[str, Any] = {
    "upgradePolicy": {"mode": "manual"},
    "networkConfiguration.dynamicVnetAssignmentScope": "none",
    "networkConfiguration.publicIPAddressConfiguration.provision": "BatchManaged",
    "deploymentConfiguration.virtualMachineConfiguration.nodePlacementConfiguration": {"policy": "Regional"},
    # Server defaults every Pool-Get answers (Microsoft's 2025-06-01 PoolCreate_* examples; the emulator's
    # pool_defaults.py fills the same ones in).
    "taskSchedulingPolicy.jobDefaultOrder": "None",
    "scaleSettings.fixedScale.resizeTimeout": "PT15M",
    "scaleSettings.fixedScale.targetDedicatedNodes": 0,
    "scaleSettings.fixedScale.targetLowPriorityNodes": 0,
    "scaleSettings.autoScale.evaluationInterval": "PT15M",
    "deploymentConfiguration.virtualMachineConfiguration.imageReference.version": "latest",
    "deploymentConfiguration.virtualMachineConfiguration.osDisk.caching": "None",
    "deploymentConfiguration.virtualMachineConfiguration.dataDisks.caching": "None",
}
# Nested members Azure computes (readOnly) or never returns (secrets): not part of the comparison.
IGNORED = frozenset({"exactVersion", "password"})
# List items are paired by their identifying member, so order does not matter.
ITEM_KEYS = ("name", "id", "lun", "url")


def differences(pool: Mapping[str, Any], body: Mapping[str, Any]) -> list[str]:
    """What Azure's pool has that the config's body does not (or differently): 'path: Azure x, config y'."""
    theirs = pool.get("properties") or {}
    ours = body.get("properties") or {}
    found: list[str] = []
    for name in WRITABLE_PROPERTIES:
        _compare(name, theirs.get(name), ours.get(name), found)
    return found


def _compare(path: str, theirs: Any, ours: Any, found: list[str]) -> None:
    if _is_default(path, theirs) and _is_default(path, ours):
        return
    if isinstance(theirs, Mapping) and isinstance(ours, Mapping):
        for key in sorted(set(theirs) | set(ours)):
            if key not in IGNORED:
                _compare(f"{path}.{key}", theirs.get(key), ours.get(key), found)
        return
    if isinstance(theirs, list) and isinstance(ours, list) and len(theirs) == len(ours):
        for index, (a, b) in enumerate(zip(_ordered(theirs), _ordered(ours), strict=True)):
            _compare(f"{path}[{index}]", a, b, found)
        return
    if not _same(theirs, ours):
        found.append(f"{path}: Azure has {_show(theirs)}, the config {_show(ours)}")


def _is_default(path: str, value: Any) -> bool:
    if value is None or value == [] or value == {} or value is False:
        return True
    return DEFAULTS.get(re.sub(r"\[\d+\]", "", path), object()) == value


def _ordered(items: list[Any]) -> list[Any]:
    for key in ITEM_KEYS:
        if items and all(isinstance(i, Mapping) and key in i for i in items):
            return sorted(items, key=lambda i: str(i[key]).lower())
    return items


def _same(theirs: Any, ours: Any) -> bool:
    # Azure compares VM sizes and resource ids case-insensitively and may answer in its own casing.
    if isinstance(theirs, str) and isinstance(ours, str):
        return theirs.lower() == ours.lower()
    if isinstance(theirs, bool) or isinstance(ours, bool):
        return theirs is ours
    if isinstance(theirs, int | float) and isinstance(ours, int | float):
        return float(theirs) == float(ours)
    return bool(theirs == ours)


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
