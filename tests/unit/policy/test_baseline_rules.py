"""Each baseline rule passes a compliant stack and fails the same stack with its one property broken."""

from __future__ import annotations

import copy

import pytest

from batch_infra.policy import rules
from batch_infra.policy.rules import RULES, Resource

COMPLIANT = [
    Resource(
        rules.ACCOUNT,
        "batch-account-batch",
        {
            "publicNetworkAccess": "Disabled",
            "allowedAuthenticationModes": ["AAD"],
            "encryption": {"keySource": "Microsoft.KeyVault", "keyVaultProperties": {"keyIdentifier": "k"}},
        },
    ),
    Resource(
        rules.ENDPOINT,
        "batch-private-link-endpoint-batchAccount",
        {
            "privateLinkServiceConnections": [{"groupIds": ["batchAccount"]}],
        },
    ),
    Resource(
        rules.DIAGNOSTICS,
        "batch-guard-rails-diagnostics",
        {
            "logs": [{"categoryGroup": "allLogs", "enabled": True}],
        },
    ),
    Resource(rules.METRIC_ALERT, "batch-alert-nodes", {}),
    Resource(
        rules.POOL,
        "batch-pool-render",
        {"diskEncryptionConfiguration": {"targets": ["OsDisk", "TemporaryDisk"]}},
    ),
    Resource(
        rules.NSG,
        "batch-network-nsg",
        {
            "securityRules": [
                {
                    "name": "deny-internet-in",
                    "direction": "Inbound",
                    "access": "Deny",
                    "sourceAddressPrefix": "Internet",
                },
            ]
        },
    ),
    Resource(
        rules.STORAGE,
        "batch-account-storage",
        {
            "publicNetworkAccess": "Disabled",
            "allowBlobPublicAccess": False,
            "minimumTlsVersion": "TLS1_2",
        },
    ),
]

# rule name -> (resource name, property path, broken value); None as value removes the resource.
BREAKS = {
    "batch-account-customer-managed-key": (
        "batch-account-batch",
        ("encryption", "keySource"),
        "Microsoft.Batch",
    ),
    "batch-account-local-auth-disabled": (
        "batch-account-batch",
        ("allowedAuthenticationModes",),
        ["SharedKey", "AAD"],
    ),
    "batch-account-public-network-disabled": ("batch-account-batch", ("publicNetworkAccess",), "Enabled"),
    "batch-account-private-endpoint": (
        "batch-private-link-endpoint-batchAccount",
        ("privateLinkServiceConnections",),
        [{"groupIds": ["nodeManagement"]}],
    ),
    "batch-account-diagnostic-logs": (
        "batch-guard-rails-diagnostics",
        ("logs",),
        [{"categoryGroup": "allLogs", "enabled": False}],
    ),
    "batch-account-metric-alerts": ("batch-alert-nodes", (), None),
    "batch-pool-disk-encryption": ("batch-pool-render", ("diskEncryptionConfiguration",), None),
    "batch-network-no-internet-inbound": (
        "batch-network-nsg",
        ("securityRules",),
        [
            {"name": "ssh", "direction": "Inbound", "access": "Allow", "sourceAddressPrefix": "*"},
        ],
    ),
    "batch-storage-network-restricted": ("batch-account-storage", ("publicNetworkAccess",), "Enabled"),
}


def broken(rule_name: str) -> list[Resource]:
    target, path, value = BREAKS[rule_name]
    out = []
    for resource in COMPLIANT:
        if resource.name != target:
            out.append(resource)
            continue
        if not path:
            continue  # the resource itself is what the rule wants
        props = copy.deepcopy(dict(resource.props))
        node = props
        for key in path[:-1]:
            node = node[key]
        if value is None:
            node.pop(path[-1])
        else:
            node[path[-1]] = value
        out.append(Resource(resource.type, resource.name, props))
    return out


def test_every_rule_has_a_breaking_case():
    assert sorted(BREAKS) == sorted(r.name for r in RULES)


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_rule_passes_the_compliant_stack(rule):
    assert rule.check(COMPLIANT) == []


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_rule_fails_the_broken_stack_naming_the_resource_and_the_fix(rule):
    problems = rule.check(broken(rule.name))
    assert problems, rule.name
    assert all(p.startswith("batch-") for p in problems)
    # Only the broken rule fires: the rules are independent.
    assert rules.evaluate(broken(rule.name)).keys() == {rule.name}


def test_crossguard_policies_report_through_the_pack():
    from batch_infra.policy.pack import policies

    class Args:
        resources = [
            type("R", (), {"resource_type": r.type, "name": r.name, "props": r.props})()
            for r in broken("batch-account-local-auth-disabled")
        ]

    reported: list[str] = []
    by_name = {p.name: p for p in policies()}
    by_name["batch-account-local-auth-disabled"].validate(
        Args(), lambda message, urn=None: reported.append(message)
    )
    assert reported and "SharedKey" in reported[0]
    assert str(by_name["batch-account-metric-alerts"].enforcement_level.value) == "advisory"
