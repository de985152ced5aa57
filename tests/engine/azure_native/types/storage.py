"""azure-native:storage:StorageAccount (Microsoft.Storage 2024-01-01, storage.json).

x-ms-client-name renames (SDK name <- wire name): enableHttpsTrafficOnly <- supportsHttpsTrafficOnly,
networkRuleSet <- networkAcls, enableNfsV3 <- isNfsV3Enabled.
"""

from __future__ import annotations

from tests.engine.azure_native.shapes import Field, ResourceSpec, Shape, obj, props, ro, top

IDENTITY = Shape(
    "Identity",
    top(
        type="string",
        userAssignedIdentities=Field(
            "", "string_set", output_of=Shape("UserAssignedIdentity", top(principalId=ro(), clientId=ro()))
        ),
        principalId=ro(),
        tenantId=ro(),
    ),
)

STORAGE_ACCOUNT = ResourceSpec(
    token="azure-native:storage:StorageAccount",
    api_version="2024-01-01",
    path="/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
    "Microsoft.Storage/storageAccounts/{accountName}",
    body=Shape(
        "StorageAccount",
        {
            **top(
                sku=obj(Shape("Sku", top(name="string", tier=ro()))),
                kind="string",
                location="string",
                extendedLocation="any",
                tags="map",
                identity=obj(IDENTITY),
                name=ro(),
                type=ro(),
            ),
            **props(
                allowedCopyScope="string",
                publicNetworkAccess="string",
                sasPolicy="any",
                keyPolicy="any",
                customDomain="any",
                encryption="any",
                networkRuleSet=Field("networkAcls", "any"),
                accessTier="string",
                azureFilesIdentityBasedAuthentication="any",
                enableHttpsTrafficOnly=Field("supportsHttpsTrafficOnly", "boolean"),
                isSftpEnabled="boolean",
                isLocalUserEnabled="boolean",
                enableExtendedGroups="boolean",
                isHnsEnabled="boolean",
                largeFileSharesState="string",
                routingPreference="any",
                allowBlobPublicAccess="boolean",
                minimumTlsVersion="string",
                allowSharedKeyAccess="boolean",
                enableNfsV3=Field("isNfsV3Enabled", "boolean"),
                allowCrossTenantReplication="boolean",
                defaultToOAuthAuthentication="boolean",
                immutableStorageWithVersioning="any",
                dnsEndpointType="string",
                provisioningState=ro(),
                primaryEndpoints=ro("any"),
                primaryLocation=ro(),
                statusOfPrimary=ro(),
                secondaryEndpoints=ro("any"),
                secondaryLocation=ro(),
                statusOfSecondary=ro(),
                creationTime=ro(),
                keyCreationTime=ro("any"),
                privateEndpointConnections=ro("array"),
            ),
        },
    ),
    required=("resourceGroupName", "kind", "location", "sku"),
    force_new=("isHnsEnabled", "location"),
    force_new_source="azure-native gen/replacement.go forceNewMap Storage.StorageAccount",
    auto_name={"accountName": "random"},
)
