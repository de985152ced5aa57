"""Config of how the Batch and storage accounts are reached: networkProfile, private endpoints, CMK."""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from batch_infra.config.base import Model, invalid

# Azure's own limit: "Each endpoint supports a maximum of 200 IP network rules" (Configure public network
# access with Batch accounts); storage accounts allow 400 (Azure Storage firewall rules).
MAX_BATCH_IP_RULES = 200
MAX_STORAGE_IP_RULES = 400
BATCH_PRIVATE_DNS_ZONE = "privatelink.batch.azure.com"
BLOB_PRIVATE_DNS_ZONE = "privatelink.blob.core.windows.net"
_ZONE_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/privateDnsZones/(?P<zone>[^/]+)$",
    re.IGNORECASE,
)
_KEY_IDENTIFIER = re.compile(
    r"^https://[a-z0-9-]{3,24}\.vault\.azure\.net/keys/[A-Za-z0-9-]{1,127}(/[0-9a-f]{32})?$"
)

# Ranges a public endpoint never sees as a source: RFC 1918, shared (RFC 6598), loopback, link-local, "this".
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "0.0.0.0/8",
    )
)


def public_cidr(value: str, *, what: str) -> str:
    """An IPv4 address or CIDR outside private ranges: Azure IP rules only match public addresses."""
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError as err:
        raise invalid(
            f"{value!r} is not an IPv4 address or CIDR block ({err})",
            f"write the {what} like 203.0.113.10 or 203.0.113.0/24",
        ) from err
    if net.version != 4:
        raise invalid(f"{value!r} is IPv6", f"{what}s take IPv4 addresses or ranges only")
    if any(net.overlaps(blocked) for blocked in _NOT_PUBLIC):
        raise invalid(
            f"{value!r} is a private or reserved range; IP rules apply to public addresses only",
            "reach the account from private networks through a private endpoint instead",
        )
    return value


def private_dns_zone_id(value: str | None, zone: str) -> str | None:
    """An existing private DNS zone's resource id whose name is `zone` (hub-and-spoke landing zones)."""
    if value is None:
        return None
    found = _ZONE_ID.match(value)
    if not found:
        raise invalid(
            f"{value!r} is not a private DNS zone resource id",
            "use /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Network/"
            f"privateDnsZones/{zone}",
        )
    if found["zone"].lower() != zone:
        raise invalid(
            f"private DNS zone {found['zone']!r} cannot resolve this endpoint",
            f"point privateDnsZoneId at the {zone} zone",
        )
    return value


class IpRule(Model):
    """One allowed public address or range of a Batch endpoint (Batch IPRule: action + value)."""

    action: Literal["Allow"] = "Allow"
    value: str

    @field_validator("value")
    @classmethod
    def _value(cls, value: str) -> str:
        return public_cidr(value, what="ipRules value")


class EndpointAccessProfile(Model):
    """Public access to one Batch endpoint: Allow everyone, or Deny all but ipRules."""

    default_action: Literal["Allow", "Deny"]
    ip_rules: list[IpRule] = Field([], max_length=MAX_BATCH_IP_RULES)

    @model_validator(mode="after")
    def _rules_need_deny(self) -> EndpointAccessProfile:
        if self.default_action == "Allow" and self.ip_rules:
            raise invalid(
                "ipRules have no effect when defaultAction is Allow (every address is let in)",
                "set defaultAction: Deny to admit only the ipRules, or drop ipRules",
                at="ipRules",
            )
        return self

    def open_to_all(self) -> bool:
        return self.default_action == "Allow"


class NetworkProfile(Model):
    """Optional. Batch networkProfile: public access rules of the account and node management endpoints."""

    account_access: EndpointAccessProfile | None = None
    node_management_access: EndpointAccessProfile | None = None


class BatchPrivateEndpoint(Model):
    """A private endpoint to one Batch sub-resource, with its privatelink.batch.azure.com DNS record."""

    group_id: Literal["batchAccount", "nodeManagement"]
    # An existing zone (hub-and-spoke: a central team owns it); without it the stack creates the zone.
    private_dns_zone_id: str | None = None

    @field_validator("private_dns_zone_id")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return private_dns_zone_id(value, BATCH_PRIVATE_DNS_ZONE)


class BlobPrivateEndpoint(Model):
    """A private endpoint to auto-storage's blob service (application packages, resource files)."""

    group_id: Literal["blob"] = "blob"
    private_dns_zone_id: str | None = None

    @field_validator("private_dns_zone_id")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return private_dns_zone_id(value, BLOB_PRIVATE_DNS_ZONE)


class StorageIpRule(Model):
    """Storage IPRule: an allowed public address or range."""

    action: Literal["Allow"] = "Allow"
    value: str

    @field_validator("value")
    @classmethod
    def _value(cls, value: str) -> str:
        return public_cidr(value, what="networkAcls ipRules value")


class NetworkAcls(Model):
    """Storage networkAcls: which public networks reach the auto-storage account."""

    default_action: Literal["Allow", "Deny"] = "Allow"
    bypass: Literal["None", "AzureServices"] = "AzureServices"
    ip_rules: list[StorageIpRule] = Field([], max_length=MAX_STORAGE_IP_RULES)


class KeyVaultProperties(Model):
    key_identifier: str

    @field_validator("key_identifier")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _KEY_IDENTIFIER.match(value):
            raise invalid(
                f"{value!r} is not a Key Vault key identifier",
                "use https://<vault>.vault.azure.net/keys/<key> (optionally /<32-hex version>)",
            )
        return value


class Encryption(Model):
    """Optional. Batch encryption: Microsoft-managed keys, or a customer-managed Key Vault key (CMK)."""

    key_source: Literal["Microsoft.Batch", "Microsoft.KeyVault"] = "Microsoft.Batch"
    key_vault_properties: KeyVaultProperties | None = None

    @model_validator(mode="after")
    def _key_matches_source(self) -> Encryption:
        if self.key_source == "Microsoft.KeyVault" and self.key_vault_properties is None:
            raise invalid(
                "keySource Microsoft.KeyVault needs keyVaultProperties.keyIdentifier",
                "add keyVaultProperties: {keyIdentifier: https://<vault>.vault.azure.net/keys/<key>}",
                at="keyVaultProperties",
            )
        if self.key_source == "Microsoft.Batch" and self.key_vault_properties is not None:
            raise invalid(
                "keyVaultProperties is only used with keySource Microsoft.KeyVault",
                "set keySource: Microsoft.KeyVault, or drop keyVaultProperties",
                at="keyVaultProperties",
            )
        return self

    def customer_managed(self) -> bool:
        return self.key_source == "Microsoft.KeyVault"
