"""Preflight of the ARM resources: read each one and compare its key properties with the declared inputs.

The declared inputs are the mock plan's (what the components pass to pulumi-azure-native, `properties`
flattened). Only what the GET returns is compared; a declared property Azure does not echo is listed as
not compared, never reported as equal. A moved location replaces (azure-native replaces on location);
any other difference is an update, as azure-native would PUT it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from batch_infra.ops.plan import PlannedResource
from batch_infra.ops.value_diff import ValueChange, changes
from batch_infra.providers import azure_clients
from batch_infra.providers.azure_clients import Target


@dataclass(frozen=True)
class Prop:
    """One compared property: its input path, where the SDK's `as_dict()` has it, how to compare."""

    input: str
    live: str
    kind: str = "text"  # text (case-insensitive), value (exact), set, id, ids, tags, rules


COMMON = (Prop("location", "location", "region"), Prop("tags", "tags", "tags"))
# Per type token. Network/storage/resources SDKs answer snake_case flattened; azure-mgmt-batch answers REST.
PROPERTIES: dict[str, tuple[Prop, ...]] = {
    "azure-native:resources:ResourceGroup": COMMON,
    "azure-native:storage:StorageAccount": (
        *COMMON,
        Prop("kind", "kind"),
        Prop("sku.name", "sku.name"),
        Prop("minimumTlsVersion", "minimum_tls_version"),
        Prop("enableHttpsTrafficOnly", "enable_https_traffic_only", "value"),
        Prop("allowBlobPublicAccess", "allow_blob_public_access", "value"),
    ),
    "azure-native:network:VirtualNetwork": (
        *COMMON,
        Prop("addressSpace.addressPrefixes", "address_space.address_prefixes", "set"),
        Prop("enableDdosProtection", "enable_ddos_protection", "value"),
        Prop("enableVmProtection", "enable_vm_protection", "value"),
    ),
    "azure-native:network:Subnet": (
        Prop("addressPrefix", "address_prefix"),
        Prop("networkSecurityGroup.id", "network_security_group.id", "id"),
        Prop("privateEndpointNetworkPolicies", "private_endpoint_network_policies"),
        Prop("privateLinkServiceNetworkPolicies", "private_link_service_network_policies"),
    ),
    "azure-native:network:NetworkSecurityGroup": (*COMMON, Prop("securityRules", "security_rules", "rules")),
    "azure-native:batch:BatchAccount": (
        *COMMON,
        Prop("poolAllocationMode", "properties.poolAllocationMode"),
        Prop("publicNetworkAccess", "properties.publicNetworkAccess"),
        Prop("allowedAuthenticationModes", "properties.allowedAuthenticationModes", "set"),
        Prop("autoStorage.storageAccountId", "properties.autoStorage.storageAccountId", "id"),
        Prop("autoStorage.authenticationMode", "properties.autoStorage.authenticationMode"),
        Prop(
            "autoStorage.nodeIdentityReference.resourceId",
            "properties.autoStorage.nodeIdentityReference.resourceId",
            "id",
        ),
        Prop("identity.type", "identity.type"),
        Prop("identity.userAssignedIdentities", "identity.userAssignedIdentities", "ids"),
    ),
    "azure-native:batch:Application": (
        Prop("displayName", "properties.displayName", "value"),
        Prop("allowUpdates", "properties.allowUpdates", "value"),
    ),
}
# Security rule fields compared per rule name (snake_case as the network SDK answers).
RULE_FIELDS = (
    "priority",
    "direction",
    "access",
    "protocol",
    "source_address_prefix",
    "source_port_range",
    "destination_address_prefix",
    "destination_port_range",
)


@dataclass(frozen=True)
class ResourceAction:
    name: str
    type: str
    action: str  # create / update / replace / no change / check / not compared
    detail: str = ""
    changes: tuple[ValueChange, ...] = ()  # old -> new per changed leaf (`preflight --diff`)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "action": self.action,
            "detail": self.detail,
            "changes": [c.to_dict() for c in self.changes],
        }


def clients(target: Target) -> dict[str, Any]:
    """The SDK clients the reads share, built in the calling thread (imports are not thread-safe to race)."""
    return {
        "resource": azure_clients.resource_client(target),
        "storage": azure_clients.storage_client(target),
        "network": azure_clients.network_client(target),
        "batch": azure_clients.batch_mgmt_client(target),
    }


def read_live(sdk: Mapping[str, Any], resource: PlannedResource) -> dict[str, Any] | None:
    """The resource's GET as `as_dict()`, None when it does not exist (or is not an ARM resource)."""
    from batch_infra.ops.quota_report import _call

    getter = GETTERS.get(resource.type)
    if getter is None:
        return None
    return _call(f"reading {resource.type} {resource.name}", lambda: _get_or_none(sdk, getter, resource))


# Dynamic resources that live inside the Batch account: with no account on the target, they are created.
IN_ACCOUNT = (":ApplicationPackage", ":Pool")


def compare(
    resource: PlannedResource, live: Mapping[str, Any] | None, *, account_exists: bool = True
) -> ResourceAction:
    """Pure: the action for one resource from its declared inputs and the GET's `as_dict()` (None: absent).

    `account_exists`: whether the stack's Batch account exists on the target (its children can't otherwise).
    """
    if not account_exists and resource.type.endswith(IN_ACCOUNT):
        return ResourceAction(
            resource.name, resource.type, "create", "the stack's Batch account is not on the target yet"
        )
    if resource.type not in PROPERTIES:
        return ResourceAction(
            resource.name,
            resource.type,
            "check" if resource.type.endswith(":QuotaCheck") else "not compared",
            "state kept by the Pulumi engine; its provider decides at `pulumi up`"
            + ("; pools: see the pools table" if resource.type.endswith(":Pool") else ""),
        )
    if live is None:
        return ResourceAction(resource.name, resource.type, "create")
    differences: list[ValueChange] = []
    unread: list[str] = []
    for prop in PROPERTIES[resource.type]:
        wanted = _at(resource.inputs, prop.input)
        if wanted is None:
            continue  # not declared: azure-native leaves Azure's value alone
        found = _at(live, prop.live)
        if found is None:
            unread.append(prop.input)
        elif prop.kind == "rules":
            old, new = _rules(found), _rules(wanted)
            if changed := sorted(n for n in old.keys() | new.keys() if old.get(n) != new.get(n)):
                differences.append(ValueChange(prop.input, "differ in rules", ", ".join(changed)))
        elif not _same(prop.kind, wanted, found):
            differences += _changes(prop, found, wanted)
    moved = [d for d in differences if d.path == "location"]
    text = "; ".join(d.brief() for d in moved or differences)
    if unread:
        text += ("; " if text else "") + f"not returned by Azure, not compared: {', '.join(unread)}"
    action = "replace" if moved else "update" if differences else "no change"
    if action == "no change":
        compared = [
            p.input
            for p in PROPERTIES[resource.type]
            if p.input not in unread and _at(resource.inputs, p.input) is not None
        ]
        text = f"compared: {', '.join(compared)}" + (f"; {text}" if text else "")
    return ResourceAction(resource.name, resource.type, action, text, tuple(differences))


def _changes(prop: Prop, found: Any, wanted: Any) -> list[ValueChange]:
    """Tags and other objects per changed key (never two whole dicts); anything else old -> new."""
    if prop.kind in ("tags", "value") and isinstance(found, Mapping) and isinstance(wanted, Mapping):
        return changes(dict(found), dict(wanted), prop.input)
    if prop.kind == "ids":
        return [ValueChange(prop.input, _show(found), _show(wanted))]
    return [ValueChange(prop.input, found, wanted)]


def _same(kind: str, wanted: Any, found: Any) -> bool:
    if kind == "region":
        return _lower(wanted).replace(" ", "") == _lower(found).replace(" ", "")
    if kind in ("text", "id"):
        return _key(kind, wanted) == _key(kind, found)
    if kind == "set":
        return sorted(_lower(v) for v in wanted) == sorted(_lower(v) for v in found)
    if kind == "ids":
        return sorted(_key("id", v) for v in wanted) == sorted(_key("id", v) for v in found)
    return bool(wanted == found)  # value, tags: exact


def _key(kind: str, value: Any) -> str:
    """Ids compare from /resourceGroups/ on: the plan's mock subscription is not the target's."""
    text = _lower(value)
    if kind == "id" and "/resourcegroups/" in text:
        return text[text.index("/resourcegroups/") :]
    return text


def _rules(rules: Any) -> dict[str, tuple[Any, ...]]:
    """Security rules by name, each as its compared fields (inputs camelCase, the SDK snake_case)."""
    by_name = {}
    for rule in rules or []:
        values = []
        for field in RULE_FIELDS:
            value = rule.get(field, rule.get(_camel(field)))
            values.append(_lower(int(value) if isinstance(value, float) else value))
        by_name[_lower(rule.get("name"))] = tuple(values)
    return by_name


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


def _lower(value: Any) -> str:
    return str(value).lower() if value is not None else ""


def _at(values: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(values, Mapping):
            return None
        values = values.get(part)
    return values


def _show(value: Any) -> str:
    if isinstance(value, Mapping) and value and all(isinstance(v, Mapping) for v in value.values()):
        return "[" + ", ".join(sorted(value)) + "]"  # user-assigned identities: their ids
    return str(value)


def _get_or_none(sdk: Mapping[str, Any], getter: Callable[..., Any], resource: PlannedResource) -> Any:
    try:
        return getter(sdk, resource.inputs).as_dict()
    except ResourceNotFoundError:
        return None


GETTERS: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any]], Any]] = {
    "azure-native:resources:ResourceGroup": lambda c, i: c["resource"].resource_groups.get(
        i["resourceGroupName"]
    ),
    "azure-native:storage:StorageAccount": lambda c, i: c["storage"].storage_accounts.get_properties(
        i["resourceGroupName"], i["accountName"]
    ),
    "azure-native:network:VirtualNetwork": lambda c, i: c["network"].virtual_networks.get(
        i["resourceGroupName"], i["virtualNetworkName"]
    ),
    "azure-native:network:Subnet": lambda c, i: c["network"].subnets.get(
        i["resourceGroupName"], i["virtualNetworkName"], i["subnetName"]
    ),
    "azure-native:network:NetworkSecurityGroup": lambda c, i: c["network"].network_security_groups.get(
        i["resourceGroupName"], i["networkSecurityGroupName"]
    ),
    "azure-native:batch:BatchAccount": lambda c, i: c["batch"].batch_account.get(
        i["resourceGroupName"], i["accountName"]
    ),
    "azure-native:batch:Application": lambda c, i: c["batch"].application.get(
        i["resourceGroupName"], i["accountName"], i["applicationName"]
    ),
}


def _add_private_types() -> None:
    """The private-environment types live in their own module (preflight_private) to keep this one short."""
    from batch_infra.ops import preflight_private

    PROPERTIES.update(preflight_private.PROPERTIES)
    GETTERS.update(preflight_private.GETTERS)


_add_private_types()
