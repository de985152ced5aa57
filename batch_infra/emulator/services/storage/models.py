"""Storage account documents, keys and Azure's rules: naming, global name uniqueness, SKUs and kinds."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any

from batch_infra.emulator import arm, identities
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.services.storage import requested as asked

TYPE = "Microsoft.Storage/storageAccounts"
ACCOUNTS = "storage_accounts"  # keyed by lower-cased ARM id
KEYS = "storage_account_keys"  # same keys, so a resource group delete removes both
_NAME = re.compile(r"^[a-z0-9]{3,24}$")
SKUS = (
    "Standard_LRS",
    "Standard_GRS",
    "Standard_RAGRS",
    "Standard_ZRS",
    "Premium_LRS",
    "Premium_ZRS",
    "Standard_GZRS",
    "Standard_RAGZRS",
)
KINDS = ("Storage", "StorageV2", "BlobStorage", "FileStorage", "BlockBlobStorage")
_GEO_REDUNDANT = ("Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS")
# Azure's region pairs (learn.microsoft.com/azure/reliability/cross-region-replication-azure), for the
# secondaryLocation of a geo-redundant account; a region without a pair here gets none.
_PAIRS = {
    "eastus": "westus",
    "westus": "eastus",
    "eastus2": "centralus",
    "centralus": "eastus2",
    "westus2": "westcentralus",
    "westcentralus": "westus2",
    "northcentralus": "southcentralus",
    "southcentralus": "northcentralus",
    "northeurope": "westeurope",
    "westeurope": "northeurope",
    "uksouth": "ukwest",
    "ukwest": "uksouth",
    "japaneast": "japanwest",
    "japanwest": "japaneast",
    "centralindia": "southindia",
    "southindia": "centralindia",
    "australiaeast": "australiasoutheast",
    "australiasoutheast": "australiaeast",
    "canadacentral": "canadaeast",
    "canadaeast": "canadacentral",
}


def name_problem(name: str) -> str | None:
    if _NAME.match(name):
        return None
    return (
        f"{name} is not a valid storage account name. Storage account name must be between 3 and 24 "
        "characters in length and use numbers and lower-case letters only."
    )


def find_by_name(ctx: EmulatorContext, name: str) -> dict[str, Any] | None:
    """Storage account names are global in Azure: look across every resource group."""
    return next((doc for _key, doc in ctx.state.items(ACCOUNTS) if doc["name"] == name), None)


def account_id(subscription: str, resource_group: str, name: str) -> str:
    return f"{arm.resource_group_id(subscription, resource_group)}/providers/{TYPE}/{name}"


def get(ctx: EmulatorContext, subscription: str, resource_group: str, name: str) -> dict[str, Any]:
    doc = ctx.state.get(ACCOUNTS, account_id(subscription, resource_group, name))
    if doc is None:
        raise AzureError(
            404,
            "ResourceNotFound",
            f"The Resource '{TYPE}/{name}' under resource group '{resource_group}' was not found. "
            "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
        )
    return doc


def _sku(body: dict[str, Any]) -> dict[str, str]:
    sku = body.get("sku")
    if not isinstance(sku, dict) or not isinstance(sku.get("name"), str):
        raise AzureError(
            400, "MissingRequiredProperty", "The required property 'sku.name' is missing.", target="sku"
        )
    if sku["name"] not in SKUS:
        raise AzureError(
            400,
            "InvalidValuesForRequestParameters",
            f"Values for request parameters are invalid: sku.name '{sku['name']}'. "
            f"Valid values: {', '.join(SKUS)}.",
            target="sku.name",
        )
    return {"name": sku["name"], "tier": sku["name"].split("_")[0]}


def _kind(body: dict[str, Any], sku: dict[str, str]) -> str:
    kind = body.get("kind", "StorageV2")
    if kind not in KINDS:
        raise AzureError(
            400,
            "InvalidValuesForRequestParameters",
            f"Values for request parameters are invalid: kind '{kind}'. Valid values: {', '.join(KINDS)}.",
            target="kind",
        )
    if kind in ("FileStorage", "BlockBlobStorage") and sku["tier"] != "Premium":
        raise AzureError(
            400,
            "InvalidValuesForRequestParameters",
            f"Kind '{kind}' needs a Premium SKU (Premium_LRS or Premium_ZRS), not '{sku['name']}'.",
            target="sku.name",
        )
    return kind


def _identity(
    ctx: EmulatorContext, identity: Any, key: str, previous: dict[str, Any] | None
) -> dict[str, Any]:
    """The storage account's managed identity, resolved as ARM does (the 2026-09-01 IdentityType enum)."""
    kinds = ("None", "SystemAssigned", "UserAssigned", "SystemAssigned,UserAssigned")
    return identities.resolve(ctx, identity, key, previous, allowed=kinds)


def _host(name: str, service: str, properties: dict[str, Any]) -> str:
    """An endpoint's host: `<service>.core.windows.net`, or with dnsEndpointType AzureDnsZone
    `z<NN>.<service>.storage.azure.net` in a zone Azure picks among z00-z50 (Microsoft's example
    StorageAccountCreateDnsEndpointTypeToAzureDnsZone answers z24; the range: learn.microsoft.com/azure/
    storage/common/storage-account-overview, unverified); here the zone is a hash of the account's name."""
    if properties.get("dnsEndpointType") != "AzureDnsZone":
        return f"{service}.core.windows.net"
    zone = int(hashlib.sha256(name.encode()).hexdigest(), 16) % 51
    return f"z{zone:02d}.{service}.storage.azure.net"


def _endpoints(name: str, properties: dict[str, Any]) -> dict[str, str]:
    return {
        service: f"https://{name}.{_host(name, service, properties)}/"
        for service in ("blob", "queue", "table", "file", "web", "dfs")
    }


def _new_account(
    ctx: EmulatorContext, key: str, name: str, location: str, body: dict[str, Any]
) -> dict[str, Any]:
    sku = _sku(body)
    now = ctx.now().isoformat()
    requested = arm.properties(body)
    service = {"enabled": True, "keyType": "Account", "lastEnabledTime": now}
    properties: dict[str, Any] = {
        "provisioningState": "Creating",
        "primaryEndpoints": _endpoints(name, requested),
        "primaryLocation": location,
        "statusOfPrimary": "available",
        "creationTime": now,
        "keyCreationTime": {"key1": now, "key2": now},
        "encryption": {
            "services": {"blob": dict(service), "file": dict(service)},
            "keySource": "Microsoft.Storage",
        },
        "accessTier": "Hot",
        "supportsHttpsTrafficOnly": True,
        "minimumTlsVersion": "TLS1_2",
        "allowBlobPublicAccess": False,
        "networkAcls": {
            "bypass": "AzureServices",
            "virtualNetworkRules": [],
            "ipRules": [],
            "defaultAction": "Allow",
        },
    }
    properties.update(asked.echoed(requested))
    properties["encryption"] = asked.encryption(requested, properties["encryption"])
    if (immutable := asked.immutability(requested, None, creating=True)) is not None:
        properties["immutableStorageWithVersioning"] = immutable
    if body.get("kind") == "BlockBlobStorage":
        # "Premium access tier is the default value for premium block blobs storage account type and it
        # cannot be changed" (AccessTier, 2026-09-01 spec).
        properties["accessTier"] = "Premium"
    _computed(properties, name, location, sku, requested)
    doc = {
        "id": key,
        "name": name,
        "type": TYPE,
        "location": location,
        "sku": sku,
        "kind": _kind(body, sku),
        "properties": properties,
    }
    if (edge_zone := asked.extended_location(body)) is not None:
        doc["extendedLocation"] = edge_zone
    if "identity" in body:
        doc["identity"] = _identity(ctx, body["identity"], key, None)
    tags = arm.check_tags(body)
    if tags:
        doc["tags"] = tags
    return doc


def _computed(
    properties: dict[str, Any], name: str, location: str, sku: dict[str, str], requested: dict[str, Any]
) -> None:
    """What Azure derives for a new account (Microsoft's 2026-09-01 example StorageAccountGetProperties):
    migration/conversion flags, the paired secondary of a geo-redundant SKU, the routing endpoints a
    routingPreference publishes, and the network rules as sent over Azure's defaults."""
    properties["accountMigrationInProgress"] = False
    properties["isSkuConversionBlocked"] = False
    if sku["name"] in _GEO_REDUNDANT and location in _PAIRS:
        properties["secondaryLocation"] = _PAIRS[location]
        properties["statusOfSecondary"] = "available"
    _publish_endpoints(properties, name)
    properties["networkAcls"] = asked.network_acls(requested, properties["networkAcls"])


# The extra endpoint sets an account publishes: routingPreference's internet and Microsoft routing ones
# (Microsoft's example StorageAccountCreate) and dualStackEndpointPreference's IPv6 ones (the example
# StorageAccountLeverageIPv6Ability), each with the services those examples list.
_PUBLISHED = (
    ("routingPreference", "publishInternetEndpoints", "internetEndpoints", "internetrouting", 4),
    ("routingPreference", "publishMicrosoftEndpoints", "microsoftEndpoints", "microsoftrouting", 6),
    ("dualStackEndpointPreference", "publishIpv6Endpoint", "ipv6Endpoints", "ipv6", 6),
)
_SERVICES = ("blob", "dfs", "file", "web", "queue", "table")  # the first four: internet routing's


def _publish_endpoints(properties: dict[str, Any], name: str) -> None:
    endpoints = properties["primaryEndpoints"]
    for preference, flag, key, route, count in _PUBLISHED:
        if (properties.get(preference) or {}).get(flag):
            services = sorted(_SERVICES[:count])
            endpoints[key] = {s: f"https://{name}-{route}.{_host(name, s, properties)}/" for s in services}
        else:
            endpoints.pop(key, None)


def _new_key(name: str, now: str) -> dict[str, str]:
    return {
        "keyName": name,
        "value": base64.b64encode(secrets.token_bytes(64)).decode(),
        "permissions": "Full",
        "creationTime": now,
    }


def begin_create(
    ctx: EmulatorContext, subscription: str, resource_group: str, name: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """Create (provisioning 'Creating', finished by the LRO) or update in place; returns (doc, created)."""
    problem = name_problem(name)
    if problem:
        raise AzureError(400, "AccountNameInvalid", problem)
    location = arm.normalize_location(body.get("location"))
    key = account_id(subscription, resource_group, name)
    with ctx.state.transaction() as state:
        existing = find_by_name(ctx, name)
        if existing is not None and existing["id"].lower() != key.lower():
            raise AzureError(
                409, "StorageAccountAlreadyTaken", f"The storage account named {name} is already taken."
            )
        if existing is not None:
            if existing["location"] != location:
                raise AzureError(
                    409,
                    "InvalidResourceLocation",
                    f"The resource '{name}' already exists in location '{existing['location']}'; "
                    f"a resource with the same name cannot be created in location '{location}'.",
                )
            return update(ctx, subscription, resource_group, name, body), False
        doc = _new_account(ctx, key, name, location, body)
        state.put(ACCOUNTS, key, doc)
        now = ctx.now().isoformat()
        state.put(KEYS, key, {"keys": [_new_key("key1", now), _new_key("key2", now)]})
    return doc, True


def finish_create(ctx: EmulatorContext, key: str) -> dict[str, Any]:
    with ctx.state.transaction() as state:
        doc = state.get(ACCOUNTS, key)
        if doc is None:
            raise AzureError(
                404, "ResourceNotFound", f"The storage account '{key}' was deleted while being created."
            )
        doc["properties"]["provisioningState"] = "Succeeded"
        state.put(ACCOUNTS, key, doc)
    return doc


def update(
    ctx: EmulatorContext, subscription: str, resource_group: str, name: str, body: dict[str, Any]
) -> dict[str, Any]:
    with ctx.state.transaction() as state:
        doc = get(ctx, subscription, resource_group, name)
        if "sku" in body:
            doc["sku"] = _sku(body)
        if "kind" in body:
            if body["kind"] != doc["kind"] and not (doc["kind"] == "Storage" and body["kind"] == "StorageV2"):
                raise AzureError(
                    400,
                    "InvalidValuesForRequestParameters",
                    f"The kind of storage account '{name}' cannot change from {doc['kind']} to "
                    f"{body['kind']}.",
                    target="kind",
                )
            doc["kind"] = body["kind"]
        if "identity" in body:
            doc["identity"] = _identity(ctx, body["identity"], doc["id"], doc.get("identity"))
        if "tags" in body:
            tags = arm.check_tags(body)
            doc.pop("tags", None)
            if tags:
                doc["tags"] = tags
        requested = arm.properties(body)
        doc["properties"].update(asked.echoed(requested))
        doc["properties"]["encryption"] = asked.encryption(requested, doc["properties"]["encryption"])
        doc["properties"]["networkAcls"] = asked.network_acls(requested, doc["properties"]["networkAcls"])
        current = doc["properties"].get("immutableStorageWithVersioning")
        if (immutable := asked.immutability(requested, current, creating=False)) is not None:
            doc["properties"]["immutableStorageWithVersioning"] = immutable
        _publish_endpoints(doc["properties"], name)
        state.put(ACCOUNTS, doc["id"], doc)
    return doc


def delete(ctx: EmulatorContext, subscription: str, resource_group: str, name: str) -> bool:
    """Delete the account and its blobs (its containers in Azurite); False if it did not exist."""
    key = account_id(subscription, resource_group, name)
    with ctx.state.transaction() as state:
        state.delete(KEYS, key)
        existed = state.delete(ACCOUNTS, key)
    if existed:
        delete_blobs(ctx, name)
    return existed


def delete_blobs(ctx: EmulatorContext, name: str) -> None:
    """A deleted storage account's data goes with it: a new account of the same name starts empty."""
    if ctx.blob is not None:
        ctx.blob.delete_account_containers(name)


def list_keys(ctx: EmulatorContext, subscription: str, resource_group: str, name: str) -> dict[str, Any]:
    doc = get(ctx, subscription, resource_group, name)
    return ctx.state.get(KEYS, doc["id"]) or {"keys": []}


def regenerate_key(
    ctx: EmulatorContext, subscription: str, resource_group: str, name: str, key_name: Any
) -> dict[str, Any]:
    if key_name not in ("key1", "key2"):
        raise AzureError(
            400,
            "InvalidValuesForRequestParameters",
            f"Values for request parameters are invalid: keyName '{key_name}'. Use key1 or key2.",
            target="keyName",
        )
    with ctx.state.transaction() as state:
        doc = get(ctx, subscription, resource_group, name)
        keys = state.get(KEYS, doc["id"]) or {"keys": []}
        now = ctx.now().isoformat()
        keys["keys"] = [_new_key(key_name, now) if k["keyName"] == key_name else k for k in keys["keys"]]
        doc["properties"]["keyCreationTime"][key_name] = now
        state.put(KEYS, doc["id"], keys)
        state.put(ACCOUNTS, doc["id"], doc)
    return keys


def check_name(ctx: EmulatorContext, name: Any) -> dict[str, Any]:
    problem = name_problem(name) if isinstance(name, str) else "The name must be a string."
    if problem:
        return {"nameAvailable": False, "reason": "AccountNameInvalid", "message": problem}
    if find_by_name(ctx, name) is not None:
        return {
            "nameAvailable": False,
            "reason": "AlreadyExists",
            "message": f"The storage account named {name} is already taken.",
        }
    return {"nameAvailable": True}


def list_accounts(ctx: EmulatorContext, prefix: str) -> list[dict[str, Any]]:
    return [doc for key, doc in ctx.state.items(ACCOUNTS, prefix) if f"/providers/{TYPE.lower()}/" in key]
