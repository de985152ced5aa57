"""azure-native:managedidentity:UserAssignedIdentity (Microsoft.ManagedIdentity 2023-01-31)."""

from __future__ import annotations

from tests.engine.azure_native.shapes import ResourceSpec, Shape, props, ro, top

USER_ASSIGNED_IDENTITY = ResourceSpec(
    token="azure-native:managedidentity:UserAssignedIdentity",
    api_version="2023-01-31",
    path="/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
    "Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}",
    body=Shape(
        "Identity",
        {
            **top(location="string", tags="map", name=ro(), type=ro(), systemData=ro("any")),
            **props(tenantId=ro(), principalId=ro(), clientId=ro()),
        },
    ),
    required=("resourceGroupName", "location"),
    # common-types v5 TrackedResource.location is x-ms-mutability [read, create]: provider/pkg/gen forceNew.
    force_new=("location",),
    force_new_source="x-ms-mutability [read, create] on common-types TrackedResource.location",
    auto_name={"resourceName": "random"},
)
