"""Azure's server defaults on a pool, filled in where a request leaves them out, as Pool-Get answers them in
Microsoft's 2025-06-01 examples (tests/emulator/replay): the PoolCreate_* answers show each one."""

from __future__ import annotations

from typing import Any

DEFAULT_RESIZE_TIMEOUT = "PT15M"  # FixedScaleSettings.resizeTimeout: "The default value is 15 minutes."
DEFAULT_EVALUATION_INTERVAL = "PT15M"  # AutoScaleSettings.evaluationInterval: "default value is 15 minutes"
DEFAULT_DEALLOCATION = "Requeue"  # ComputeNodeDeallocationOption: "The default value is requeue."


def apply(props: dict[str, Any]) -> None:
    """Fill the defaults into the pool's settable properties (a PUT's, or the merged ones after a PATCH)."""
    _drop_nulls(props)
    _scale_settings(props.get("scaleSettings"))
    policy = props.get("taskSchedulingPolicy")
    if isinstance(policy, dict):
        policy.setdefault("jobDefaultOrder", "None")  # PoolCreate_*_ForUserSubscriptionAccounts (2025)
    network = props.get("networkConfiguration")
    if isinstance(network, dict):
        network.setdefault("dynamicVnetAssignmentScope", "none")  # PoolCreate_AcceleratedNetworking
        network.setdefault("enableAcceleratedNetworking", False)  # PoolCreate_DualStackNetworking
        _nat_rules(network.get("endpointConfiguration"))
    vm = ((props.get("deploymentConfiguration") or {}).get("virtualMachineConfiguration")) or {}
    _virtual_machine(vm)


def _scale_settings(scale: Any) -> None:
    if not isinstance(scale, dict):
        return
    if isinstance(scale.get("fixedScale"), dict):
        fixed = scale["fixedScale"]
        fixed.setdefault("targetDedicatedNodes", 0)
        fixed.setdefault("targetLowPriorityNodes", 0)
        fixed.setdefault("resizeTimeout", DEFAULT_RESIZE_TIMEOUT)
    if isinstance(scale.get("autoScale"), dict):
        scale["autoScale"].setdefault("evaluationInterval", DEFAULT_EVALUATION_INTERVAL)


def _nat_rules(endpoints: Any) -> None:
    """NetworkSecurityGroupRule.sourcePortRanges: "The default value is '*'" (2025-06-01 description;
    unverified against a live answer: every example sends the ranges)."""
    for nat in (endpoints or {}).get("inboundNatPools") or []:
        for rule in (nat or {}).get("networkSecurityGroupRules") or []:
            if isinstance(rule, dict):
                rule.setdefault("sourcePortRanges", ["*"])


def _virtual_machine(vm: dict[str, Any]) -> None:
    image = vm.get("imageReference")
    if isinstance(image, dict) and image.get("publisher") and "id" not in image:
        image.setdefault("version", "latest")  # PoolCreate_VirtualMachineConfiguration_ManagedOSDisk
    if isinstance(vm.get("osDisk"), dict) and not _ephemeral(vm["osDisk"]):
        vm["osDisk"].setdefault("caching", "None")  # PoolCreate_DiskEncryptionSet_ForUserSubscriptionAccounts
    for disk in vm.get("dataDisks") or []:
        if isinstance(disk, dict):
            disk.setdefault("caching", "None")  # PoolCreate_ConfidentialDiskEncryptionSet_ForUser...


def _ephemeral(os_disk: dict[str, Any]) -> bool:
    """An ephemeral OS disk (PoolCreate_VirtualMachineConfiguration): Azure answers without an osDisk."""
    return "ephemeralOSDiskSettings" in os_disk


def _drop_nulls(value: Any) -> None:
    """A nested property sent as null is not sent (PoolCreate_SecurityProfile sends secureBootEnabled: null
    and the answer has no secureBootEnabled)."""
    if isinstance(value, dict):
        for name in [name for name, item in value.items() if item is None]:
            del value[name]
        for item in value.values():
            _drop_nulls(item)
    elif isinstance(value, list):
        for item in value:
            _drop_nulls(item)
