"""azure-native:resources:ResourceGroup (Microsoft.Resources 2024-03-01, resources.json ResourceGroup)."""

from __future__ import annotations

from tests.engine.azure_native.shapes import ResourceSpec, Shape, ro, top

RESOURCE_GROUP = ResourceSpec(
    token="azure-native:resources:ResourceGroup",
    api_version="2024-03-01",
    path="/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}",
    # Not flattened: the SDK's output keeps `properties` ({provisioningState}) as an object.
    body=Shape(
        "ResourceGroup",
        top(location="string", managedBy="string", tags="map", name=ro(), type=ro(), properties=ro("any")),
    ),
    required=("location",),
    force_new=("location",),
    force_new_source="azure-native gen/replacement.go forceNewMap Resources.ResourceGroup",
    auto_name={"resourceGroupName": "random"},
)
