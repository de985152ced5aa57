"""Pool property classification: which changes Azure applies live, only on an empty pool, or never.

Source: "Update Batch pool properties", learn.microsoft.com/azure/batch/batch-pool-update-properties
(ms.date 2025-04-02), for the management-plane Pool - Update (PATCH) of API 2024-07-01 and later:
  * applicationPackages, certificates, metadata, scaleSettings and startTask may change while the pool
    has nodes (running nodes pick the change up on reboot or reimage);
  * "all other updatable pool properties require the pool to be of size zero nodes" (Steady, with zero
    dedicated and zero Spot/low-priority nodes), e.g. vmSize, deploymentConfiguration (image, node
    agent SKU, OS and data disks, extensions), networkConfiguration, taskSlotsPerNode,
    taskSchedulingPolicy, userAccounts, interNodeCommunication, identity;
  * what is not a property of the pool body at all (its id, its account) can only change by replacing it.
Certificates reach the pool as the Key Vault VM extension, and "Existing pools can't be updated with the Key
Vault VM extension. Recreate your pool." (learn.microsoft.com/azure/batch/batch-certificate-migration-guide),
so the certificates, their identity's client id and any other extension change are REPLACE.
`identity` is not listed on the page; treating it as update-when-empty is batch-infra policy (conservative).

The Pool API 2025-06-01 sections (issue 13), each by the same page unless marked:
  * containerConfiguration, securityProfile, nodePlacementConfiguration, diskEncryptionConfiguration,
    windowsConfiguration, licenseType, osDisk.writeAcceleratorEnabled, a custom image (imageReference.id):
    parts of deploymentConfiguration, "all other updatable pool properties": update-when-empty;
  * mountConfiguration, upgradePolicy, network.endpointConfiguration (part of networkConfiguration):
    update-when-empty;
  * startTask.containerSettings: part of startTask, update-live;
  * extensions: REPLACE. Sourced for the Key Vault extension (the migration guide above) and by
    Azure/azure-sdk-for-net#40325 (PropertyCannotBeUpdated on deploymentConfiguration when an extension
    changes); that every extension change is refused is UNKNOWN (no Microsoft statement), batch-infra policy;
  * tags (the pool resource's ARM tags): UNKNOWN whether Azure accepts a change with nodes (the page lists
    pool properties only); update-when-empty is batch-infra policy (conservative);
  * secretValues: a rotated secret changes the property that carries it, so it takes that property's class.

PATCH replaces only the properties it carries: a property left out is left as it is in Azure. So removing a
property from the config is sent as Azure's explicit clear where the API has one (`CLEARS`); where it has
none (displayName, networkConfiguration, parts of virtualMachineConfiguration) the removal is a REPLACE.
An SSH-key-only change of userAccounts changes only the key-installing start task, so it is update-live.
The provider's diff and `batch-infra preflight` both call `classify`, so they agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Change(StrEnum):
    REPLACE = "replace"  # delete the pool and create it again (pool ids are names: delete first)
    WHEN_EMPTY = "update-when-empty"  # PATCH accepted only while the pool has no nodes
    LIVE = "update-live"  # PATCH accepted with nodes present
    INTERNAL = "internal"  # batch-infra's own setting; nothing is sent to Azure


@dataclass(frozen=True)
class Rule:
    key: str  # top-level key of the pool provider's inputs (camelCase, as in the stack file)
    azure: str  # what it becomes in the Azure pool
    change: Change


RULES: tuple[Rule, ...] = (
    Rule("id", "pool name (the pool id)", Change.REPLACE),
    Rule("subscriptionId", "the Batch account's subscription", Change.REPLACE),
    Rule("resourceGroupName", "the Batch account's resource group", Change.REPLACE),
    Rule("accountName", "the Batch account", Change.REPLACE),
    Rule("accountEndpoint", "the Batch account's endpoint", Change.REPLACE),
    Rule("location", "the Batch account's region", Change.REPLACE),
    Rule("displayName", "properties.displayName", Change.WHEN_EMPTY),
    Rule("vmSize", "properties.vmSize", Change.WHEN_EMPTY),
    Rule("resolvedImage", "virtualMachineConfiguration.imageReference + nodeAgentSkuId", Change.WHEN_EMPTY),
    Rule("osDisk", "virtualMachineConfiguration.osDisk", Change.WHEN_EMPTY),
    Rule("dataDisks", "virtualMachineConfiguration.dataDisks", Change.WHEN_EMPTY),
    Rule("certificates", "virtualMachineConfiguration.extensions (Key Vault VM extension)",
         Change.REPLACE),
    Rule("identities", "identity.userAssignedIdentities", Change.WHEN_EMPTY),
    Rule("userAccounts", "properties.userAccounts", Change.WHEN_EMPTY),
    Rule("userPasswords", "properties.userAccounts[].password", Change.WHEN_EMPTY),
    Rule("taskSlotsPerNode", "properties.taskSlotsPerNode", Change.WHEN_EMPTY),
    Rule("nodeFillType", "properties.taskSchedulingPolicy.nodeFillType", Change.WHEN_EMPTY),
    Rule("interNodeCommunication", "properties.interNodeCommunication", Change.WHEN_EMPTY),
    Rule("network", "properties.networkConfiguration", Change.WHEN_EMPTY),
    Rule("subnetId", "properties.networkConfiguration.subnetId", Change.WHEN_EMPTY),
    Rule("certificateIdentityClientId", "virtualMachineConfiguration.extensions[].settings msiClientId",
         Change.REPLACE),
    Rule("containerConfiguration", "virtualMachineConfiguration.containerConfiguration", Change.WHEN_EMPTY),
    Rule("securityProfile", "virtualMachineConfiguration.securityProfile", Change.WHEN_EMPTY),
    Rule("nodePlacementConfiguration", "virtualMachineConfiguration.nodePlacementConfiguration",
         Change.WHEN_EMPTY),
    Rule("diskEncryptionConfiguration", "virtualMachineConfiguration.diskEncryptionConfiguration",
         Change.WHEN_EMPTY),
    Rule("windowsConfiguration", "virtualMachineConfiguration.windowsConfiguration", Change.WHEN_EMPTY),
    Rule("licenseType", "virtualMachineConfiguration.licenseType", Change.WHEN_EMPTY),
    Rule("extensions", "virtualMachineConfiguration.extensions", Change.REPLACE),
    Rule("mountConfiguration", "properties.mountConfiguration", Change.WHEN_EMPTY),
    Rule("upgradePolicy", "properties.upgradePolicy", Change.WHEN_EMPTY),
    Rule("tags", "tags (the pool resource's Azure tags)", Change.WHEN_EMPTY),
    # Internal until a section uses the secret: then the class of that section (_secret_change).
    Rule("secretValues", "(secret config values; classified by the property that carries each)",
         Change.INTERNAL),
    Rule("scale", "properties.scaleSettings", Change.LIVE),
    Rule("startTask", "properties.startTask", Change.LIVE),
    Rule("applicationPackages", "properties.applicationPackages", Change.LIVE),
    Rule("metadata", "properties.metadata", Change.LIVE),
    # The selector only matters through the image it resolves to (resolvedImage).
    Rule("image", "(selector; see resolvedImage)", Change.INTERNAL),
    Rule("onImmutableChange", "(batch-infra policy)", Change.INTERNAL),
    Rule("policies", "(batch-infra policy)", Change.INTERNAL),
    # API 2025-06-01 dropped targetNodeCommunicationMode: simplified is the only mode (classic retired
    # 2026-03-31), so the setting is checked by the config model and nothing is sent.
    Rule("nodeCommunicationMode", "(simplified: the only mode in API 2025-06-01)", Change.INTERNAL),
    # Retired features: the config model refuses any value, so these are always empty.
    Rule("certificateReferences", "(retired 2024-02-29)", Change.INTERNAL),
    Rule("cloudServiceConfiguration", "(retired 2024-02-29)", Change.INTERNAL),
    Rule("applicationLicenses", "(retired 2024-02-29)", Change.INTERNAL),
    # The data-plane name of pool tags: the config model refuses it (renamed to tags).
    Rule("resourceTags", "(refused: the management API calls it tags)", Change.INTERNAL),
)
BY_KEY: dict[str, Rule] = {rule.key: rule for rule in RULES}
# Azure's explicit "remove this" value for a PATCH, where the API has one. Sources: the 2025-06-01 Pool
# startTask description ("In an PATCH (update) operation, this property can be set to an empty object to
# remove the start task from the pool"); metadata / applicationPackages / userAccounts are lists the PATCH
# replaces whole, so [] empties them; identity type None removes the user-assigned identities.
CLEARS: dict[str, Any] = {
    "startTask": {},
    "metadata": [],
    "applicationPackages": [],
    "userAccounts": [],
    "mountConfiguration": [],
}
# Input keys whose removal leaves Azure a property (or a part of one) the API cannot clear: replace.
NOT_CLEARABLE = {
    "displayName": "properties.displayName has no clear value",
    "osDisk": "virtualMachineConfiguration.osDisk has no clear value",
    "dataDisks": "virtualMachineConfiguration.dataDisks has no documented clear",
    "network": "properties.networkConfiguration has no clear value",
    "subnetId": "properties.networkConfiguration has no clear value",
    "containerConfiguration": "virtualMachineConfiguration.containerConfiguration has no clear value",
    "securityProfile": "virtualMachineConfiguration.securityProfile has no clear value",
    "nodePlacementConfiguration": "virtualMachineConfiguration.nodePlacementConfiguration has no clear value",
    "diskEncryptionConfiguration": (
        "virtualMachineConfiguration.diskEncryptionConfiguration has no clear value"
    ),
    "windowsConfiguration": "virtualMachineConfiguration.windowsConfiguration has no clear value",
    "licenseType": "virtualMachineConfiguration.licenseType has no clear value",
    "upgradePolicy": "properties.upgradePolicy has no clear value",
}
ENDPOINTS_REMOVED = ("properties.networkConfiguration.endpointConfiguration: removed, and a PATCH has no "
                     "documented clear for it")
# Strictest first: a secret shared by sections of different classes takes the strictest.
STRICTNESS = (Change.REPLACE, Change.WHEN_EMPTY, Change.LIVE, Change.INTERNAL)
SSH_KEYS_ONLY = "properties.startTask (the SSH key installer; user accounts unchanged)"
# Parts of resolvedImage that reach Azure; its endOfLife and selector text are bookkeeping.
IMAGE_FIELDS = ("publisher", "offer", "sku", "version", "id", "nodeAgentSkuId")


@dataclass(frozen=True)
class PropertyChange:
    key: str
    azure: str
    change: Change
    old: Any
    new: Any


@dataclass(frozen=True)
class Plan:
    """The classified differences between two sets of pool inputs."""

    changes: tuple[PropertyChange, ...]

    def keys(self, change: Change) -> list[str]:
        return [c.key for c in self.changes if c.change is change]

    @property
    def azure_changes(self) -> list[PropertyChange]:
        return [c for c in self.changes if c.change is not Change.INTERNAL]

    @property
    def needs_empty_pool(self) -> bool:
        return bool(self.keys(Change.WHEN_EMPTY))

    def replaces(self, on_immutable_change: str = "fail") -> list[str]:
        """Keys that make the engine replace the pool; update-when-empty ones too if the config opts in."""
        keys = self.keys(Change.REPLACE)
        if on_immutable_change == "replace":
            keys += self.keys(Change.WHEN_EMPTY)
        return keys

    def action(self, on_immutable_change: str = "fail") -> str:
        """'none', 'update' or 'replace': what `pulumi up` will do with this pool."""
        if self.replaces(on_immutable_change):
            return "replace"
        return "update" if self.azure_changes else "none"

    def describe(self) -> list[str]:
        return [f"{c.key} ({c.azure}): {c.change.value}" for c in self.azure_changes]


# Batch pool ids are case-insensitive (Pool - Add: "The ID is case-preserving and case-insensitive (that is,
# you may not have two Pool IDs within an Account that differ only by case)"): a re-cased id names the same
# pool, which keeps the case it was created with.
RECASED_ID = "pool id re-cased: Batch compares pool ids case-insensitively, so it is the same pool"


def classify(old_inputs: Mapping[str, Any], new_inputs: Mapping[str, Any]) -> Plan:
    """Compare two sets of pool provider inputs key by key; every key must have a rule."""
    keys = sorted((set(old_inputs) | set(new_inputs)) - {"__provider"})
    unknown = [k for k in keys if k not in BY_KEY]
    if unknown:
        raise ValueError(f"pool inputs {unknown} have no change rule in batch_infra.pool_changes.RULES; "
                         "add one (with its source) before using the property")
    changes = []
    for key in keys:
        old, new = normalize(key, old_inputs.get(key)), normalize(key, new_inputs.get(key))
        if old != new:
            changes.append(_change(key, old, new, old_inputs, new_inputs))
    return Plan(tuple(changes))


def _change(
    key: str, old: Any, new: Any, old_inputs: Mapping[str, Any], new_inputs: Mapping[str, Any]
) -> PropertyChange:
    rule = BY_KEY[key]
    if key in NOT_CLEARABLE and _removes(key, old_inputs, new_inputs):
        return PropertyChange(key, f"{rule.azure}: removed, and {NOT_CLEARABLE[key]}", Change.REPLACE,
                              old, new)
    if key == "userAccounts" and _keys_only_change(old, new):
        return PropertyChange(key, SSH_KEYS_ONLY, Change.LIVE, old, new)
    if key == "network" and _endpoints_removed(old_inputs, new_inputs):
        return PropertyChange(key, ENDPOINTS_REMOVED, Change.REPLACE, old, new)
    if key == "secretValues":
        return _secret_change(old, new, new_inputs)
    if key == "id" and isinstance(old, str) and isinstance(new, str) and old.lower() == new.lower():
        return PropertyChange(key, RECASED_ID, Change.INTERNAL, old, new)
    return PropertyChange(key, rule.azure, rule.change, old, new)


def _endpoints_removed(old_inputs: Mapping[str, Any], new_inputs: Mapping[str, Any]) -> bool:
    def endpoints(inputs: Mapping[str, Any]) -> Any:
        return (inputs.get("network") or {}).get("endpointConfiguration")

    return endpoints(old_inputs) is not None and endpoints(new_inputs) is None


def secret_carriers(inputs: Mapping[str, Any], names: set[str]) -> list[str]:
    """The input keys whose sections name any of these secret config keys."""
    from batch_infra.config.secret_refs import references

    keys = sorted(k for k in inputs if k in BY_KEY and k not in ("secretValues", "userPasswords"))
    return [key for key in keys if names & set(references(inputs.get(key)))]


def _secret_change(old: Any, new: Any, new_inputs: Mapping[str, Any]) -> PropertyChange:
    """A changed secret value takes the class of the strictest section that uses it (values never shown)."""
    old, new = old or {}, new or {}
    changed = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
    carriers = secret_carriers(new_inputs, changed)
    if not carriers:  # a secret nothing uses any more: its removal reaches Azure with that section
        return PropertyChange("secretValues", "(secret config values no section uses)", Change.INTERNAL,
                              [], sorted(changed))
    change = min((BY_KEY[k].change for k in carriers), key=STRICTNESS.index)
    where = ", ".join(BY_KEY[k].azure for k in carriers)
    # old/new name the changed keys, never their values: a plan may be printed.
    return PropertyChange("secretValues", f"secret value(s) {', '.join(sorted(changed))} in {where}", change,
                          [], sorted(changed))


def _removes(key: str, old_inputs: Mapping[str, Any], new_inputs: Mapping[str, Any]) -> bool:
    """Does the change take away an Azure property (or part of one) that the old inputs sent?"""
    if key in ("network", "subnetId"):
        return has_network_configuration(old_inputs) and not has_network_configuration(new_inputs)
    return normalize(key, new_inputs.get(key)) is None and normalize(key, old_inputs.get(key)) is not None


def has_network_configuration(inputs: Mapping[str, Any]) -> bool:
    """Whether the pool body carries networkConfiguration (mirrors pool_spec.network_configuration)."""
    net = inputs.get("network") or {}
    subnet = net.get("subnet", "environment") == "environment" and bool(inputs.get("subnetId"))
    public = net.get("publicIpProvisioning", "BatchManaged") != "BatchManaged"
    extras = net.get("acceleratedNetworking") or net.get("endpointConfiguration")
    return subnet or public or bool(extras)


def _keys_only_change(old: Any, new: Any) -> bool:
    """Do two userAccounts lists differ only in sshPublicKeys (which only the start task carries)?"""
    def accounts(users: Any) -> list[Any] | None:
        if not isinstance(users, list) or not all(isinstance(u, Mapping) for u in users):
            return None
        return [{k: v for k, v in u.items() if k != "sshPublicKeys"} for u in users]

    return accounts(old) is not None and accounts(old) == accounts(new)


def normalize(key: str, value: Any) -> Any:
    """Comparable form: no None members, integral floats (gRPC numbers) as ints, image bookkeeping dropped."""
    if key == "resolvedImage" and isinstance(value, Mapping):
        value = {k: value.get(k) for k in IMAGE_FIELDS}
    return _plain(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        kept = {k: _plain(v) for k, v in sorted(value.items())}
        return {k: v for k, v in kept.items() if v is not None} or None
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value] or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
