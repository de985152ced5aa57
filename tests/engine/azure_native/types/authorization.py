"""azure-native:authorization:RoleAssignment (Microsoft.Authorization 2022-04-01)."""

from __future__ import annotations

from tests.engine.azure_native.shapes import ResourceSpec, Shape, props, ro, top

ROLE_ASSIGNMENT = ResourceSpec(
    token="azure-native:authorization:RoleAssignment",
    api_version="2022-04-01",
    path="/{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}",
    body=Shape(
        "RoleAssignment",
        {
            **top(name=ro(), type=ro()),
            **props(
                roleDefinitionId="string",
                principalId="string",
                principalType="string",
                description="string",
                condition="string",
                conditionVersion="string",
                delegatedManagedIdentityResourceId="string",
                scope=ro(),
                createdOn=ro(),
                updatedOn=ro(),
                createdBy=ro(),
                updatedBy=ro(),
            ),
        },
    ),
    required=("scope", "roleDefinitionId", "principalId"),
    force_new=("principalId", "scope"),
    force_new_source="azure-native gen/replacement.go forceNewMap Authorization.RoleAssignment",
    auto_name={"roleAssignmentName": "uuid"},
)
