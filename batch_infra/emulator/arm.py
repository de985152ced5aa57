"""Helpers every Resource Manager service shares: ids, locations, tags, resource-group checks, bodies."""

from __future__ import annotations

from typing import Any

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.http import Request, Response

RESOURCE_GROUPS = "resource_groups"  # state collection, keyed by lower-cased resource group id

# Public Azure regions (ARM's normalised names). ARM refuses locations it does not know.
REGIONS = frozenset(
    {
        "eastus",
        "eastus2",
        "centralus",
        "northcentralus",
        "southcentralus",
        "westcentralus",
        "westus",
        "westus2",
        "westus3",
        "canadacentral",
        "canadaeast",
        "brazilsouth",
        "northeurope",
        "westeurope",
        "uksouth",
        "ukwest",
        "francecentral",
        "germanywestcentral",
        "norwayeast",
        "swedencentral",
        "switzerlandnorth",
        "polandcentral",
        "italynorth",
        "spaincentral",
        "eastasia",
        "southeastasia",
        "japaneast",
        "japanwest",
        "koreacentral",
        "australiaeast",
        "australiasoutheast",
        "centralindia",
        "southindia",
        "uaenorth",
        "southafricanorth",
        "qatarcentral",
        "israelcentral",
        "mexicocentral",
        "newzealandnorth",
    }
)
_TAG_LIMIT = 50


def normalize_location(value: Any, *, target: str = "location") -> str:
    """ARM's canonical region name ('West Europe' -> 'westeurope'), or 400 naming the property."""
    if not isinstance(value, str) or not value.strip():
        raise AzureError(
            400, "LocationRequired", "The location property is required for this definition.", target=target
        )
    name = value.replace(" ", "").lower()
    if name not in REGIONS:
        raise AzureError(
            400,
            "LocationNotAvailableForResourceType",
            f"The provided location '{value}' is not available for this resource type. "
            f"List of available regions: '{', '.join(sorted(REGIONS))}'.",
            target=target,
        )
    return name


def check_subscription(ctx: EmulatorContext, request: Request) -> str:
    subscription = request.params["subscription"]
    if subscription.lower() != ctx.subscription_id.lower():
        raise AzureError(
            404, "SubscriptionNotFound", f"The subscription '{subscription}' could not be found."
        )
    return ctx.subscription_id


def resource_group_id(subscription: str, resource_group: str) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{resource_group}"


def require_resource_group(ctx: EmulatorContext, request: Request) -> dict[str, Any]:
    """The request's resource group; 404 if it does not exist, 409 for a write while it is being deleted.

    Reads are served while the group is Deleting (ARM answers them until the resources are gone, then 404).
    """
    subscription = check_subscription(ctx, request)
    name = request.params["resource_group"]
    group = ctx.state.get(RESOURCE_GROUPS, resource_group_id(subscription, name))
    if group is None:
        raise AzureError(404, "ResourceGroupNotFound", f"Resource group '{name}' could not be found.")
    writing = request.method.upper() not in ("GET", "HEAD")
    if writing and group["properties"]["provisioningState"] == "Deleting":
        raise AzureError(
            409,
            "ResourceGroupBeingDeleted",
            f"The resource group '{name}' is in deprovisioning state and cannot perform this operation.",
        )
    return group


def request_location(ctx: EmulatorContext, request: Request) -> str:
    """Where the resource a request names lives, as ARM's NoRegisteredProviderFound names it: the body's
    location, else its resource group's, else 'global' (a subscription-level request)."""
    try:
        body = request.json(required=False)
    except AzureError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("location"), str):
        return body["location"].lower().replace(" ", "")
    parts = request.path.split("/")
    if len(parts) > 4 and parts[3].lower() == "resourcegroups":
        group = ctx.state.get(RESOURCE_GROUPS, resource_group_id(ctx.subscription_id, parts[4]))
        if group is not None:
            return str(group.get("location", "global"))
    return "global"


def body_object(request: Request, *, required: bool = True) -> dict[str, Any]:
    """The JSON body, which must be an object."""
    body = request.json(required=required)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise AzureError(400, "InvalidRequestContent", "The request content must be a JSON object.")
    return body


def check_tags(body: dict[str, Any]) -> dict[str, str] | None:
    tags = body.get("tags")
    if tags is None:
        return None
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise AzureError(
            400, "InvalidRequestContent", "'tags' must be an object of string values.", target="tags"
        )
    if len(tags) > _TAG_LIMIT:
        raise AzureError(
            400, "InvalidTagCount", f"{len(tags)} tags exceed the limit of {_TAG_LIMIT}.", target="tags"
        )
    for name, value in tags.items():
        if not name or len(name) > 512 or any(c in name for c in "<>%&\\?/"):
            raise AzureError(
                400,
                "InvalidTagNameCharacters",
                f"The tag name '{name}' has invalid characters (<, >, %, &, \\, ?, /) or length.",
                target="tags",
            )
        if len(value) > 256:
            raise AzureError(
                400,
                "InvalidTagValueLength",
                f"The value of tag '{name}' exceeds 256 characters.",
                target="tags",
            )
    return tags


def properties(body: dict[str, Any], *, required: bool = False) -> dict[str, Any]:
    value = body.get("properties")
    if value is None:
        if required:
            raise AzureError(
                400, "InvalidRequestContent", "The 'properties' property is required.", target="properties"
            )
        return {}
    if not isinstance(value, dict):
        raise AzureError(400, "InvalidRequestContent", "'properties' must be an object.", target="properties")
    return value


def delete_children(ctx: EmulatorContext, parent_id: str) -> int:
    """Delete every document, in any collection, keyed by an ARM id under `parent_id`; returns how many."""
    prefix = parent_id.lower().rstrip("/") + "/"
    deleted = 0
    with ctx.state.transaction() as state:
        for collection in state.collections():
            for key, _doc in state.items(collection, prefix):
                deleted += state.delete(collection, key)
    return deleted


def accepted_delete(
    ctx: EmulatorContext, request: Request, kind: str, provider: str, collection: str, key: str
) -> Response:
    """ARM's asynchronous DELETE: 204 when nothing is there, else 202 with Azure-AsyncOperation; the
    completer registered for `kind` removes the document when the operation finishes."""
    if ctx.state.get(collection, key) is None:
        return Response(204)
    headers = ctx.lro.begin(
        kind,
        {"collection": collection, "id": key},
        provider=provider,
        api_version=request.api_version,
        async_header=True,
    )
    return Response(202, None, headers)
