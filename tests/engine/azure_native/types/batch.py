"""azure-native:batch BatchAccount and Application (Microsoft.Batch 2024-07-01, BatchManagement.json).

BatchAccountCreateParameters and Application carry x-ms-client-flatten `properties`; the account identity's
userAssignedIdentities is a string set in the SDK (a list of ids) and a map id -> {principalId, clientId}
on the wire and in the outputs.
"""

from __future__ import annotations

from tests.engine.azure_native.shapes import Field, ResourceSpec, Shape, array, obj, props, ro, top

ACCOUNT = (
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
    "Microsoft.Batch/batchAccounts/{accountName}"
)

IDENTITY = Shape(
    "BatchAccountIdentity",
    top(
        type="string",
        userAssignedIdentities=Field(
            "", "string_set", output_of=Shape("UserAssignedIdentities", top(principalId=ro(), clientId=ro()))
        ),
        principalId=ro(),
        tenantId=ro(),
    ),
)

AUTO_STORAGE = Shape(
    "AutoStorageBaseProperties",
    top(
        storageAccountId="string",
        authenticationMode="string",
        nodeIdentityReference=obj(Shape("ComputeNodeIdentityReference", top(resourceId="string"))),
        lastKeySync=ro(),
    ),
)

NETWORK_PROFILE = Shape(
    "NetworkProfile",
    top(
        accountAccess=obj(
            Shape(
                "EndpointAccessProfile",
                top(
                    defaultAction="string",
                    ipRules=array(Shape("IPRule", top(action="string", value="string"))),
                ),
            )
        ),
        nodeManagementAccess=obj(
            Shape(
                "EndpointAccessProfile",
                top(
                    defaultAction="string",
                    ipRules=array(Shape("IPRule", top(action="string", value="string"))),
                ),
            )
        ),
    ),
)

BATCH_ACCOUNT = ResourceSpec(
    token="azure-native:batch:BatchAccount",
    api_version="2024-07-01",
    path=ACCOUNT,
    body=Shape(
        "BatchAccount",
        {
            **top(
                location="string",
                tags="map",
                identity=obj(IDENTITY),
                name=ro(),
                type=ro(),
                systemData=ro("any"),
            ),
            **props(
                autoStorage=obj(AUTO_STORAGE),
                poolAllocationMode="string",
                keyVaultReference=obj(Shape("KeyVaultReference", top(id="string", url="string"))),
                publicNetworkAccess="string",
                networkProfile=obj(NETWORK_PROFILE),
                encryption="any",
                allowedAuthenticationModes=array(),
                accountEndpoint=ro(),
                nodeManagementEndpoint=ro(),
                provisioningState=ro(),
                privateEndpointConnections=ro("array"),
                dedicatedCoreQuota=ro("integer"),
                dedicatedCoreQuotaPerVMFamily=ro("array"),
                dedicatedCoreQuotaPerVMFamilyEnforced=ro("boolean"),
                lowPriorityCoreQuota=ro("integer"),
                poolQuota=ro("integer"),
                activeJobAndJobScheduleQuota=ro("integer"),
            ),
        },
    ),
    required=("resourceGroupName", "location"),
    # BatchAccountCreateParameters.location has no x-ms-mutability and forceNewMap has no Batch entry, so
    # only the path parameters replace (unverified against the generated metadata).
    force_new_source="no forceNewMap entry; no x-ms-mutability in BatchManagement.json (unverified)",
    auto_name={"accountName": "random"},
)

APPLICATION = ResourceSpec(
    token="azure-native:batch:Application",
    api_version="2024-07-01",
    path=ACCOUNT + "/applications/{applicationName}",
    body=Shape(
        "Application",
        {
            **top(tags="map", name=ro(), type=ro(), etag=ro(), systemData=ro("any")),
            **props(displayName="string", allowUpdates="boolean", defaultVersion="string"),
        },
    ),
    required=("resourceGroupName", "accountName"),
    force_new_source="no forceNewMap entry: only path parameters replace",
    auto_name={"applicationName": "random"},
)
