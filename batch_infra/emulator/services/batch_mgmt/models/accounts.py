"""Batch accounts: create/update/delete, auto-storage link, name rules, the `accountEndpoint` they serve."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

from batch_infra.emulator import catalog, identities
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.services.batch_mgmt.models import (
    account_keys,
    account_quotas,
    auto_storage_keys,
    common,
)
from batch_infra.emulator.services.batch_mgmt.models.common import ACCOUNTS

if TYPE_CHECKING:
    from batch_infra.emulator.context import EmulatorContext

NAME_RULE = re.compile(r"^[a-z0-9]{3,24}$")
AUTH_MODES = account_keys.AUTH_MODES
UPDATABLE = (
    "autoStorage",
    "encryption",
    "allowedAuthenticationModes",
    "publicNetworkAccess",
    "networkProfile",
)


def validate_name(name: str) -> None:
    if not NAME_RULE.match(name):
        raise AzureError(
            400,
            "AccountNameInvalid",
            f"The Batch account name '{name}' is invalid: use 3 to 24 lowercase letters and digits.",
            target="accountName",
        )


def create(
    ctx: EmulatorContext, subscription: str, resource_group: str, name: str, body: Any, storage_exists: Any
) -> tuple[dict[str, Any], bool]:
    """Create (provisioningState Creating) or re-apply an account; returns (resource, created)."""
    validate_name(name)
    body = common.require_object(body, "the Batch account")
    location = _location(body)
    props = common.properties_of(body, "the Batch account")
    mode = props.get("poolAllocationMode", "BatchService")
    if mode not in ("BatchService", "UserSubscription"):
        raise AzureError(
            400,
            "InvalidPropertyValue",
            f"poolAllocationMode '{mode}' is not one of BatchService, UserSubscription.",
            target="properties.poolAllocationMode",
        )
    if mode == "UserSubscription" and not props.get("keyVaultReference"):
        raise AzureError(
            400,
            "InvalidPropertyValue",
            "A UserSubscription-mode account needs "
            "properties.keyVaultReference (id and url of a Key Vault Batch can access).",
            target="properties.keyVaultReference",
        )
    with ctx.state.transaction() as state:
        key = common.account_id(subscription, resource_group, name)
        existing = state.get(ACCOUNTS, key)
        if existing is None:
            _check_name_free(ctx, name, location)
            _check_account_quota(ctx, subscription, location)
            doc = _new_account(ctx, subscription, resource_group, name, location, mode, props)
        else:
            doc = existing
            if doc["resource"]["location"] != location:
                raise AzureError(
                    409,
                    "InvalidResourceLocation",
                    f"The Batch account '{name}' already exists in "
                    f"location '{doc['resource']['location']}'; it cannot move to '{location}'.",
                )
        _apply_update(ctx, doc, props, storage_exists)
        if "tags" in body:
            doc["resource"]["tags"] = body["tags"] or {}
        if "identity" in body:
            doc["resource"]["identity"] = _identity(ctx, body["identity"], doc["resource"])
        state.put(ACCOUNTS, key, doc)
        return doc["resource"], existing is None


def finish_provisioning(ctx: EmulatorContext, account_key: str) -> dict[str, Any]:
    """The LRO completion of a create: the account becomes Succeeded."""
    with ctx.state.transaction() as state:
        doc = state.get(ACCOUNTS, account_key)
        if doc is None:
            raise AzureError(
                404, "ResourceNotFound", "The Batch account was deleted before it finished creating."
            )
        doc["resource"]["properties"]["provisioningState"] = "Succeeded"
        state.put(ACCOUNTS, account_key, doc)
        return doc["resource"]


def update(
    ctx: EmulatorContext, subscription: str, resource_group: str, name: str, body: Any, storage_exists: Any
) -> dict[str, Any]:
    """PATCH: tags, identity and the updatable properties; anything else in properties is refused."""
    body = common.require_object(body, "the Batch account update")
    props = common.properties_of(body, "the Batch account update")
    unknown = sorted(set(props) - set(UPDATABLE))
    if unknown:
        raise AzureError(
            400,
            "PropertyCannotBeUpdated",
            f"The Batch account property '{unknown[0]}' cannot be "
            "updated; recreate the account to change it.",
            target=f"properties.{unknown[0]}",
        )
    with ctx.state.transaction() as state:
        doc = common.get_account(ctx, subscription, resource_group, name)
        _apply_update(ctx, doc, props, storage_exists)
        if "tags" in body:
            doc["resource"]["tags"] = body["tags"] or {}
        if "identity" in body:
            doc["resource"]["identity"] = _identity(ctx, body["identity"], doc["resource"])
        state.put(ACCOUNTS, doc["resource"]["id"], doc)
        return doc["resource"]


def mark_deleting(ctx: EmulatorContext, subscription: str, resource_group: str, name: str) -> str:
    with ctx.state.transaction() as state:
        doc = common.get_account(ctx, subscription, resource_group, name)
        doc["resource"]["properties"]["provisioningState"] = "Deleting"
        state.put(ACCOUNTS, doc["resource"]["id"], doc)
        return doc["resource"]["id"]


def delete(ctx: EmulatorContext, account_key: str) -> None:
    """Remove the account and everything under it (pools, applications, packages)."""
    with ctx.state.transaction() as state:
        state.delete(ACCOUNTS, account_key)
        for collection in (common.POOLS, common.APPLICATIONS, common.PACKAGES):
            for key, _ in state.items(collection, common.child_prefix(account_key)):
                state.delete(collection, key)


def served(ctx: EmulatorContext, resource: dict[str, Any]) -> dict[str, Any]:
    """The account as Azure answers it, with `accountEndpoint` naming this process's data plane.

    State never holds host:port (an emulator restarted with `--state` listens on another port), so the
    endpoint is computed here; one stored by an older emulator is overridden.
    """
    endpoint = ctx.data_plane_endpoint(resource["name"], resource["location"])
    properties = {k: v for k, v in resource["properties"].items() if k != "accountEndpoint"}
    # The account embeds the connections of the private endpoints to it, as PrivateBatchAccountGet shows.
    connections = ctx.batch_account_connections(resource) if ctx.batch_account_connections else []
    if connections:
        properties["privateEndpointConnections"] = connections
    return {**resource, "properties": {"accountEndpoint": endpoint, **properties}}


def list_accounts(ctx: EmulatorContext, subscription: str, resource_group: str | None = None) -> list[dict]:
    prefix = f"/subscriptions/{subscription}/" + (
        f"resourcegroups/{resource_group}/" if resource_group else ""
    )
    return [doc["resource"] for _, doc in ctx.state.items(ACCOUNTS, prefix)]


def _identity(ctx: EmulatorContext, identity: Any, resource: dict[str, Any]) -> dict[str, Any]:
    """BatchAccountIdentity: None, SystemAssigned or UserAssigned (no combination), resolved as ARM does."""
    return identities.resolve(
        ctx,
        identity,
        resource["id"],
        resource.get("identity"),
        allowed=("None", "SystemAssigned", "UserAssigned"),
    )


def _location(body: dict[str, Any]) -> str:
    location = body.get("location")
    if not isinstance(location, str) or not location:
        raise AzureError(
            400,
            "LocationRequired",
            "The location property is required for this definition.",
            target="location",
        )
    normalized = location.lower().replace(" ", "")
    if normalized not in catalog.locations():
        raise AzureError(
            400,
            "LocationNotAvailableForResourceType",
            f"The provided location '{location}' is not "
            "available for resource type 'Microsoft.Batch/batchAccounts'. List of available regions "
            f"for the resource type is '{','.join(catalog.locations())}'.",
            target="location",
        )
    return normalized


def _check_name_free(ctx: EmulatorContext, name: str, location: str) -> None:
    if common.find_accounts(ctx, name, location):
        raise AzureError(
            409,
            "AccountNameNotAvailable",
            f"The Batch account name '{name}' is already in use in "
            f"'{location}' (names are unique per region); choose another name.",
        )


def _check_account_quota(ctx: EmulatorContext, subscription: str, location: str) -> None:
    limit = int(ctx.settings.get("batch_account_quota", 3))
    used = sum(1 for r in list_accounts(ctx, subscription) if r["location"] == location)
    if used >= limit:
        raise AzureError(
            409,
            "SubscriptionQuotaExceeded",
            f"The subscription already has {used} Batch accounts in "
            f"'{location}', its quota (accountQuota {limit}); delete one or request more.",
        )


def _new_account(
    ctx: EmulatorContext,
    subscription: str,
    resource_group: str,
    name: str,
    location: str,
    mode: str,
    props: dict[str, Any],
) -> dict[str, Any]:
    arm_id = common.account_id(subscription, resource_group, name)
    properties: dict[str, Any] = {
        "nodeManagementEndpoint": f"{uuid.uuid5(uuid.NAMESPACE_URL, arm_id.lower())}.{location}"
        ".service.batch.azure.com",
        "provisioningState": "Creating",
        "poolAllocationMode": mode,
        "publicNetworkAccess": "Enabled",
        "allowedAuthenticationModes": list(AUTH_MODES),
        "encryption": {"keySource": "Microsoft.Batch"},
    }
    zero = ctx.settings.get(account_quotas.ZERO_CORES_SETTING, False)
    quotas = account_quotas.default_quotas(zero_cores=zero)
    if mode == "UserSubscription":
        # Core quotas: "For accounts with PoolAllocationMode set to UserSubscription, quota is managed on the
        # subscription so this value is not returned." (BatchAccountProperties, 2025-06-01); the pool and
        # job quotas carry no such clause and are returned.
        quotas = {k: quotas[k] for k in ("poolQuota", "activeJobAndJobScheduleQuota")}
    properties.update(quotas)
    if props.get("keyVaultReference"):  # PrivateBatchAccountCreate: kept on a BatchService account too
        properties["keyVaultReference"] = props["keyVaultReference"]
    resource = {
        "id": arm_id,
        "name": name,
        "type": "Microsoft.Batch/batchAccounts",
        "location": location,
        "tags": {},
        "identity": {"type": "None"},
        "properties": properties,
    }
    return {"resource": resource, "keys": account_keys.new_pair()}


def _apply_update(
    ctx: EmulatorContext, doc: dict[str, Any], props: dict[str, Any], storage_exists: Any
) -> None:
    target = doc["resource"]["properties"]
    if "autoStorage" in props:
        target["autoStorage"] = _auto_storage(ctx, props["autoStorage"], storage_exists)
        auto_storage_keys.take_snapshot(ctx, doc)
    modes = props.get("allowedAuthenticationModes")
    if modes is not None:
        bad = [m for m in modes if m not in AUTH_MODES] if isinstance(modes, list) else [modes]
        if bad:
            raise AzureError(
                400,
                "InvalidPropertyValue",
                f"allowedAuthenticationModes value {bad[0]!r} is not one of {', '.join(AUTH_MODES)}.",
                target="properties.allowedAuthenticationModes",
            )
        target["allowedAuthenticationModes"] = modes
    for field in ("publicNetworkAccess", "networkProfile", "encryption"):
        if field in props:
            target[field] = props[field]


def _auto_storage(ctx: EmulatorContext, auto: Any, storage_exists: Any) -> dict[str, Any] | None:
    if auto is None:
        return None
    storage_id = auto.get("storageAccountId") if isinstance(auto, dict) else None
    if not storage_id:
        raise AzureError(
            400,
            "InvalidRequestBody",
            "properties.autoStorage.storageAccountId is required.",
            target="properties.autoStorage.storageAccountId",
        )
    if not storage_exists(storage_id):
        raise AzureError(
            400,
            "InvalidPropertyValue",
            f"The auto-storage account '{storage_id}' does not exist; "
            "create the storage account first or fix the id.",
            target="properties.autoStorage.storageAccountId",
        )
    result = {
        "storageAccountId": storage_id,
        "lastKeySync": common.iso(ctx.now()),
        "authenticationMode": auto.get("authenticationMode", "StorageKeys"),
    }
    if auto.get("nodeIdentityReference"):
        result["nodeIdentityReference"] = auto["nodeIdentityReference"]
    return result
