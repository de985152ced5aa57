"""What a storage account create or update may set, checked as Azure checks it: the properties Azure echoes,
encryption, and the Edge Zone (extendedLocation)."""

from __future__ import annotations

from typing import Any

from batch_infra.emulator.errors import AzureError

# Create-time properties Azure echoes back under `properties` (the rest are computed).
ECHOED = (
    "accessTier",
    "supportsHttpsTrafficOnly",
    "minimumTlsVersion",
    "allowBlobPublicAccess",
    "allowSharedKeyAccess",
    "isHnsEnabled",
    "publicNetworkAccess",
    "largeFileSharesState",
    "allowCrossTenantReplication",
    "defaultToOAuthAuthentication",
    "isSftpEnabled",
    "isLocalUserEnabled",
    "isNfsV3Enabled",
    "dnsEndpointType",
    "allowedCopyScope",
    "routingPreference",
    "sasPolicy",
    "keyPolicy",
    "allowCrossTenantDelegationSas",
    # New in 2026-09-01 (Microsoft's example StorageAccountCreate sends and answers both).
    "geoPriorityReplicationStatus",
    "allowSharedKeyAccessForServices",
    "dataCollaborationPolicyProperties",
    "dualStackEndpointPreference",
    "azureFilesIdentityBasedAuthentication",
    "enableExtendedGroups",
)
_OBJECTS = (
    "dualStackEndpointPreference",
    "routingPreference",
    "sasPolicy",
    "keyPolicy",
    "geoPriorityReplicationStatus",
    "dataCollaborationPolicyProperties",
)
_ACL_LISTS = ("ipRules", "ipv6Rules", "virtualNetworkRules", "resourceAccessRules")
_SHARED_KEY_SERVICES = ("blob", "file", "queue", "table")
_KEY_SOURCES = ("Microsoft.Storage", "Microsoft.Keyvault")


def echoed(requested: dict[str, Any]) -> dict[str, Any]:
    """The echoed properties of a request, each object-valued one checked to be an object."""
    for name in _OBJECTS:
        if name in requested and not isinstance(requested[name], dict):
            raise _invalid(f"properties.{name} must be an object.", f"properties.{name}")
    services = requested.get("allowSharedKeyAccessForServices")
    if services is not None:
        _check_shared_key_services(services)
    files_auth = requested.get("azureFilesIdentityBasedAuthentication")
    if files_auth is not None:
        _check_files_identity_auth(files_auth)
    return {name: requested[name] for name in ECHOED if name in requested}


def _check_shared_key_services(services: Any) -> None:
    target = "properties.allowSharedKeyAccessForServices"
    if not isinstance(services, dict) or any(
        name not in _SHARED_KEY_SERVICES
        or not isinstance(value, dict)
        or not isinstance(value.get("enabled"), bool)
        for name, value in services.items()
    ):
        raise _invalid(
            f"{target} maps {', '.join(_SHARED_KEY_SERVICES)} to {{'enabled': true|false}}.", target
        )


def _check_files_identity_auth(value: Any) -> None:
    """Azure Files identity-based authentication: only directoryServiceOptions None (SMB OAuth alone) is
    served; AD DS, Entra Domain Services and Entra Kerberos need a directory the emulator does not have."""
    target = "properties.azureFilesIdentityBasedAuthentication"
    if not isinstance(value, dict) or value.get("directoryServiceOptions") != "None":
        raise AzureError(
            400,
            "FeatureNotSupported",
            f"{target}.directoryServiceOptions: this emulator serves only 'None' (with smbOAuthSettings); "
            "AD, AADDS and AADKERB need a directory service it does not emulate.",
            target=f"{target}.directoryServiceOptions",
        )


def encryption(requested: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The account's encryption after a request: keySource Microsoft.Storage only (a customer-managed key
    in Key Vault is refused: the emulator cannot check the vault, key or identity Azure would), and
    requireInfrastructureEncryption echoed as sent."""
    asked = requested.get("encryption")
    if asked is None:
        return current
    if not isinstance(asked, dict):
        raise _invalid("properties.encryption must be an object.", "properties.encryption")
    source = asked.get("keySource", "Microsoft.Storage")
    if source not in _KEY_SOURCES:
        raise _invalid(
            f"properties.encryption.keySource '{source}' is not one of {', '.join(_KEY_SOURCES)}.",
            "properties.encryption.keySource",
        )
    if source == "Microsoft.Keyvault":
        raise AzureError(
            400,
            "FeatureNotSupported",
            "This emulator does not serve customer-managed keys (encryption.keySource Microsoft.Keyvault): "
            "Azure would check the vault, the key and the identity that reads it. Use Microsoft.Storage.",
            target="properties.encryption.keySource",
        )
    result = {**current, "keySource": source}
    if "requireInfrastructureEncryption" in asked:
        if not isinstance(asked["requireInfrastructureEncryption"], bool):
            raise _invalid(
                "properties.encryption.requireInfrastructureEncryption must be true or false.",
                "properties.encryption.requireInfrastructureEncryption",
            )
        result["requireInfrastructureEncryption"] = asked["requireInfrastructureEncryption"]
    return result


def network_acls(requested: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The account's network rules after a request: what was sent over what the account had (Azure keeps
    bypass and the rule lists it is not sent), defaultAction Allow or Deny."""
    asked = requested.get("networkAcls")
    if asked is None:
        return current
    target = "properties.networkAcls"
    if not isinstance(asked, dict):
        raise _invalid(f"{target} must be an object.", target)
    if asked.get("defaultAction", current.get("defaultAction")) not in ("Allow", "Deny"):
        raise _invalid(f"{target}.defaultAction must be Allow or Deny.", f"{target}.defaultAction")
    for name in _ACL_LISTS:
        if name in asked and not isinstance(asked[name], list):
            raise _invalid(f"{target}.{name} must be an array.", f"{target}.{name}")
    return {**current, **asked}


def immutability(requested: dict[str, Any], current: dict[str, Any] | None, *, creating: bool) -> Any:
    """Account-level immutability (immutableStorageWithVersioning). Its `enabled` "can only be set to true
    at the account creation time" (StorageAccountPropertiesCreateParameters, 2026-09-01 spec), and a Locked
    policy cannot go back to Unlocked (learn.microsoft.com/azure/storage/blobs/immutable-policy-configure-
    version-scope); Azure's error codes for both are not published (unverified)."""
    asked = requested.get("immutableStorageWithVersioning")
    if asked is None:
        return current
    target = "properties.immutableStorageWithVersioning"
    if not isinstance(asked, dict) or not isinstance(asked.get("enabled", False), bool):
        raise _invalid(f"{target} must be an object with 'enabled' true or false.", target)
    was_enabled = bool((current or {}).get("enabled"))
    if asked.get("enabled") and not was_enabled and not creating:
        raise _invalid(f"{target}.enabled can only be set to true when the account is created.", target)
    policy = asked.get("immutabilityPolicy")
    old_state = ((current or {}).get("immutabilityPolicy") or {}).get("state")
    if isinstance(policy, dict) and old_state == "Locked" and policy.get("state") != "Locked":
        raise _invalid(f"{target}.immutabilityPolicy is Locked and cannot be unlocked.", target)
    return {**(current or {}), **asked}


def extended_location(body: dict[str, Any]) -> dict[str, str] | None:
    """The Edge Zone the account is placed in: `{"type": "EdgeZone", "name": ...}` (the only type the
    2026-09-01 ExtendedLocationTypes enum has). The zone's name is not checked against Azure's list."""
    value = body.get("extendedLocation")
    if value is None:
        return None
    if (
        not isinstance(value, dict)
        or value.get("type") != "EdgeZone"
        or not isinstance(value.get("name"), str)
    ):
        raise _invalid(
            "extendedLocation must be {'type': 'EdgeZone', 'name': '<edge zone>'}.", "extendedLocation"
        )
    return {"name": value["name"], "type": "EdgeZone"}


def _invalid(message: str, target: str) -> AzureError:
    return AzureError(400, "InvalidValuesForRequestParameters", message, target=target)
