"""Shared pieces of the Microsoft.Batch models: ARM ids, timestamps, ETags, state collections and lookups."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from batch_infra.emulator.errors import AzureError

if TYPE_CHECKING:
    from batch_infra.emulator.context import EmulatorContext

PROVIDER = "Microsoft.Batch"
ACCOUNTS = "batch_accounts"
APPLICATIONS = "batch_applications"
PACKAGES = "batch_application_packages"
POOLS = "batch_pools"

# Names of child resources (applications, versions, pools) as Azure validates them.
CHILD_NAME_PATTERN = r"^[a-zA-Z0-9_-]{1,64}$"
VERSION_PATTERN = r"^[a-zA-Z0-9_.-]{1,64}$"


def account_id(subscription: str, resource_group: str, account: str) -> str:
    return (
        f"/subscriptions/{subscription}/resourceGroups/{resource_group}"
        f"/providers/{PROVIDER}/batchAccounts/{account}"
    )


def child_prefix(parent_id: str) -> str:
    """Key prefix of a parent's children; the trailing slash keeps 'acct' from matching 'acct2'."""
    return parent_id.lower() + "/"


def iso(moment: datetime) -> str:
    """Azure's timestamp form: UTC with 7 fractional digits and a Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text[:26].rstrip("Z") + "+00:00" if text.endswith("Z") else text)


def etag_for(resource: dict[str, Any]) -> str:
    """A weak ETag in Azure's form that changes whenever the resource's content changes."""
    body = {k: v for k, v in resource.items() if k != "etag"}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:15].upper()
    return f'W/"0x8D{digest}"'


def require_object(body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise AzureError(400, "InvalidRequestContent", f"The request body of {what} must be a JSON object.")
    return body


def properties_of(body: dict[str, Any], what: str) -> dict[str, Any]:
    props = body.get("properties") or {}
    if not isinstance(props, dict):
        raise AzureError(
            400,
            "InvalidRequestContent",
            f"'properties' of {what} must be a JSON object.",
            target="properties",
        )
    return props


def account_not_found(name: str) -> AzureError:
    return AzureError(
        404,
        "ResourceNotFound",
        f"The Resource 'Microsoft.Batch/batchAccounts/{name}' under resource group was not found.",
    )


def find_accounts(ctx: EmulatorContext, name: str, location: str | None = None) -> list[dict[str, Any]]:
    """Accounts called `name` (in `location` when given): names are unique per region."""
    found = []
    for _, doc in ctx.state.items(ACCOUNTS):
        res = doc["resource"]
        if res["name"].lower() == name.lower() and (location is None or res["location"] == location):
            found.append(doc)
    return found


def get_account(ctx: EmulatorContext, subscription: str, resource_group: str, name: str) -> dict[str, Any]:
    """The stored account document ({"resource", "keys"}) or Azure's 404."""
    doc = ctx.state.get(ACCOUNTS, account_id(subscription, resource_group, name))
    if doc is None:
        raise account_not_found(name)
    return doc


def paged(items: list[dict[str, Any]]) -> dict[str, Any]:
    """An ARM list page; everything fits on one page, so no nextLink."""
    return {"value": items}


def check_if_match(
    current_etag: str | None, if_match: str | None, if_none_match: str | None, what: str
) -> None:
    """HTTP preconditions as Batch applies them: If-Match equals the ETag; If-None-Match:* = create only."""
    if if_match is not None and if_match != "*" and if_match != current_etag:
        raise AzureError(
            412,
            "ConditionNotMet",
            f"The ETag in If-Match ({if_match}) does not match the current ETag of {what} "
            f"({current_etag}); GET it again and retry with the new ETag.",
        )
    if if_match == "*" and current_etag is None:
        raise AzureError(412, "ConditionNotMet", f"If-Match: * was given but {what} does not exist.")
    if if_none_match == "*" and current_etag is not None:
        raise AzureError(
            412,
            "ConditionNotMet",
            f"If-None-Match: * was given but {what} already exists; omit the header to update it.",
        )


def property_error(
    status: int, code: str, message: str, *, path: str, reason: str, value: Any = None
) -> AzureError:
    """A property error shaped as Microsoft.Batch returns it: Azure's fixed message, target "BatchAccount",
    and details Reason / PropertyName / PropertyValue / PropertyPath (e.g. Azure/Batch#85, Azure/azapi#263).
    """
    details = [
        {"code": "Reason", "message": reason},
        {"code": "PropertyName", "message": path.rsplit(".", 1)[-1]},
    ]
    if value is not None:
        details.append({"code": "PropertyValue", "message": str(value)})
    details.append({"code": "PropertyPath", "message": path})
    return AzureError(status, code, message, target="BatchAccount", details=details)


def require_account_ready(account: dict[str, Any]) -> None:
    """Writes to an account's children (pools, applications, packages) need the account Succeeded."""
    state = account["properties"].get("provisioningState")
    if state == "Deleting":
        raise AzureError(
            409,
            "AccountBeingDeleted",
            f"The Batch account '{account['name']}' is being deleted; its pools and applications cannot "
            "change. Wait for the delete to finish, then recreate the account.",
        )
    if state != "Succeeded":
        raise AzureError(
            409,
            "AccountBeingCreated",
            f"The Batch account '{account['name']}' is {state}, not Succeeded; wait for its creation to "
            "finish (poll the account) before changing its pools or applications.",
        )


def require_pool_writable(resource: dict[str, Any]) -> None:
    if resource["properties"].get("provisioningState") == "Deleting":
        raise AzureError(
            409,
            "PoolBeingDeleted",
            f"The specified pool '{resource['name']}' is being deleted; wait until it is gone, then "
            "create it again.",
        )
