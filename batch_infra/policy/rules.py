"""The Azure security baseline for Batch as pure rules over a stack's resources (type token + inputs).

Each rule encodes one built-in Azure Policy definition for Batch (Azure Policy built-ins, "Batch" category)
or one network rule of the Azure security baseline for Batch. The CrossGuard pack (policy/__main__.py)
and `batch-infra preflight` both run these, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

ACCOUNT = "azure-native:batch:BatchAccount"
STORAGE = "azure-native:storage:StorageAccount"
NSG = "azure-native:network:NetworkSecurityGroup"
ENDPOINT = "azure-native:network:PrivateEndpoint"
DIAGNOSTICS = "azure-native:monitor:DiagnosticSetting"
METRIC_ALERT = "azure-native:monitor:MetricAlert"
POOL = "pulumi-python:dynamic/pool:Pool"


@dataclass(frozen=True)
class Resource:
    """What a rule sees of one resource: its type token, its name and its inputs (camelCase)."""

    type: str
    name: str
    props: Mapping[str, Any]


Check = Callable[[list[Resource]], list[str]]


@dataclass(frozen=True)
class Rule:
    name: str  # CrossGuard policy name: lowercase, hyphens
    description: str
    source: str  # the Azure Policy definition or baseline control it encodes
    check: Check  # violations over the whole stack ([] = compliant)
    default: Literal["mandatory", "advisory"] = "mandatory"


def _of(resources: Iterable[Resource], kind: str) -> list[Resource]:
    return [r for r in resources if r.type == kind]


def _cmk(resources: list[Resource]) -> list[str]:
    return [
        f"{r.name}: encryption.keySource is not Microsoft.KeyVault; set account.encryption keySource "
        "Microsoft.KeyVault with keyVaultProperties.keyIdentifier"
        for r in _of(resources, ACCOUNT)
        if (r.props.get("encryption") or {}).get("keySource") != "Microsoft.KeyVault"
    ]


def _local_auth(resources: list[Resource]) -> list[str]:
    return [
        f"{r.name}: allowedAuthenticationModes includes SharedKey; set allowedAuthenticationModes: [AAD]"
        for r in _of(resources, ACCOUNT)
        if "SharedKey" in (r.props.get("allowedAuthenticationModes") or ["SharedKey"])
    ]


def _public_network(resources: list[Resource]) -> list[str]:
    return [
        f"{r.name}: publicNetworkAccess is {r.props.get('publicNetworkAccess', 'Enabled')}; set "
        "account.publicNetworkAccess: Disabled (with private endpoints)"
        for r in _of(resources, ACCOUNT)
        if r.props.get("publicNetworkAccess", "Enabled") != "Disabled"
    ]


def _groups(resource: Resource) -> set[str]:
    return {
        g for c in resource.props.get("privateLinkServiceConnections") or [] for g in c.get("groupIds") or []
    }


def _private_endpoint(resources: list[Resource]) -> list[str]:
    accounts = _of(resources, ACCOUNT)
    groups = set().union(*(_groups(e) for e in _of(resources, ENDPOINT))) if accounts else set()
    return [
        f"{r.name}: no private endpoint with groupId batchAccount; add account.privateEndpoints "
        "[{groupId: batchAccount}]"
        for r in accounts
        if "batchAccount" not in groups
    ]


def _diagnostic_logs(resources: list[Resource]) -> list[str]:
    enabled = [
        d for d in _of(resources, DIAGNOSTICS) if any(e.get("enabled") for e in d.props.get("logs") or [])
    ]
    return [
        f"{r.name}: no diagnostic setting sends its resource logs anywhere; add account.diagnosticSettings"
        for r in _of(resources, ACCOUNT)
        if not enabled
    ]


def _metric_alerts(resources: list[Resource]) -> list[str]:
    if _of(resources, METRIC_ALERT):
        return []
    return [f"{r.name}: no metric alert rule watches the account" for r in _of(resources, ACCOUNT)]


def _pool_disk_encryption(resources: list[Resource]) -> list[str]:
    return [
        f"{r.name}: the pool encrypts no disk; set diskEncryptionConfiguration.targets [OsDisk,TemporaryDisk]"
        for r in _of(resources, POOL)
        if not ((r.props.get("diskEncryptionConfiguration") or {}).get("targets"))
    ]


def _nsg_inbound(resources: list[Resource]) -> list[str]:
    problems = []
    for nsg in _of(resources, NSG):
        rules = nsg.props.get("securityRules") or []
        opened = [
            r.get("name")
            for r in rules
            if r.get("direction") == "Inbound"
            and r.get("access") == "Allow"
            and r.get("sourceAddressPrefix") in ("*", "Internet", "0.0.0.0/0")
        ]
        denied = any(
            r.get("direction") == "Inbound"
            and r.get("access") == "Deny"
            and r.get("sourceAddressPrefix") in ("*", "Internet")
            for r in rules
        )
        if opened or not denied:
            why = (
                f"allows Internet inbound ({', '.join(map(str, opened))})"
                if opened
                else "has no Internet deny"
            )
            problems.append(f"{nsg.name}: the NSG {why}; nodes need no inbound traffic from the Internet")
    return problems


def _storage_network(resources: list[Resource]) -> list[str]:
    problems = []
    for r in _of(resources, STORAGE):
        acls = r.props.get("networkRuleSet") or {}
        if r.props.get("publicNetworkAccess") != "Disabled" and acls.get("defaultAction") != "Deny":
            problems.append(
                f"{r.name}: the auto-storage account is open to every network; set "
                "account.autoStorage.publicNetworkAccess: Disabled or networkAcls.defaultAction: Deny"
            )
        if r.props.get("allowBlobPublicAccess", True) or r.props.get("minimumTlsVersion") != "TLS1_2":
            problems.append(f"{r.name}: blob public access must be off and TLS 1.2 the minimum")
    return problems


RULES: tuple[Rule, ...] = (
    Rule(
        "batch-account-customer-managed-key",
        "Batch accounts encrypt with a customer-managed key",
        'Azure Policy "Azure Batch account should use customer-managed keys to encrypt data"',
        _cmk,
    ),
    Rule(
        "batch-account-local-auth-disabled",
        "Batch accounts allow Microsoft Entra ID (AAD) only",
        'Azure Policy "Batch accounts should have local authentication methods disabled"',
        _local_auth,
    ),
    Rule(
        "batch-account-public-network-disabled",
        "Batch accounts disable public network access",
        'Azure Policy "Configure Batch accounts to disable public network access"',
        _public_network,
    ),
    Rule(
        "batch-account-private-endpoint",
        "Batch accounts are reached through a private endpoint",
        'Azure Policy "Private endpoint connections on Batch accounts should be enabled"',
        _private_endpoint,
    ),
    Rule(
        "batch-account-diagnostic-logs",
        "Batch accounts send their resource logs to a destination",
        'Azure Policy "Resource logs in Batch accounts should be enabled"',
        _diagnostic_logs,
    ),
    Rule(
        "batch-account-metric-alerts",
        "A metric alert rule watches each Batch account",
        'Azure Policy "Metric alert rules should be configured on Batch accounts"',
        _metric_alerts,
        default="advisory",
    ),
    Rule(
        "batch-pool-disk-encryption",
        "Pools encrypt their disks",
        'Azure Policy "Azure Batch pools should have disk encryption enabled"',
        _pool_disk_encryption,
        default="advisory",
    ),
    Rule(
        "batch-network-no-internet-inbound",
        "The pool subnet's NSG denies inbound traffic from the Internet",
        "Azure security baseline for Batch, NS-1 (segmentation with NSGs)",
        _nsg_inbound,
    ),
    Rule(
        "batch-storage-network-restricted",
        "Auto-storage is not open to every network, HTTPS/TLS 1.2 only",
        "Azure security baseline for Batch, NS-2 (secure cloud services with network controls)",
        _storage_network,
    ),
)


def evaluate(resources: list[Resource], rules: Iterable[Rule] = RULES) -> dict[str, list[str]]:
    """Violations per rule name (only rules with violations)."""
    found = {rule.name: rule.check(resources) for rule in rules}
    return {name: problems for name, problems in found.items() if problems}
