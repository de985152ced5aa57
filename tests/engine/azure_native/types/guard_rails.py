"""azure-native:monitor DiagnosticSetting (Microsoft.Insights 2021-05-01-preview), authorization
ManagementLockByScope (Microsoft.Authorization 2020-05-01), operationalinsights Workspace (2023-09-01)."""

from __future__ import annotations

from tests.engine.azure_native.shapes import ResourceSpec, Shape, array, obj, props, ro, top

RETENTION = Shape("MicrosoftCommonRetentionPolicy", top(enabled="boolean", days="integer"))
LOG = Shape(
    "DiagnosticsLogSettings",
    top(category="string", categoryGroup="string", enabled="boolean", retentionPolicy=obj(RETENTION)),
)
METRIC = Shape(
    "DiagnosticsMetricSettings",
    top(category="string", timeGrain="string", enabled="boolean", retentionPolicy=obj(RETENTION)),
)

DIAGNOSTIC_SETTING = ResourceSpec(
    token="azure-native:monitor:DiagnosticSetting",
    api_version="2021-05-01-preview",
    path="/{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}",
    body=Shape(
        "DiagnosticSettingsResource",
        {
            **top(id=ro(), type=ro(), systemData=ro("object")),
            **props(
                storageAccountId="string",
                serviceBusRuleId="string",
                eventHubAuthorizationRuleId="string",
                eventHubName="string",
                workspaceId="string",
                marketplacePartnerId="string",
                logAnalyticsDestinationType="string",
                logs=array(LOG),
                metrics=array(METRIC),
            ),
        },
    ),
    required=("resourceUri",),
    force_new_source="only path parameters replace (unverified: forceNewMap not read)",
    auto_name={"name": "random"},
)

MANAGEMENT_LOCK_BY_SCOPE = ResourceSpec(
    token="azure-native:authorization:ManagementLockByScope",
    api_version="2020-05-01",
    path="/{scope}/providers/Microsoft.Authorization/locks/{lockName}",
    body=Shape(
        "ManagementLockObject",
        {
            **top(id=ro(), name=ro(), type=ro(), systemData=ro("object")),
            **props(level="string", notes="string", owners="any"),
        },
    ),
    required=("scope", "level"),
    force_new_source="only path parameters replace (unverified: forceNewMap not read)",
    auto_name={"lockName": "random"},
)

WORKSPACE = ResourceSpec(
    token="azure-native:operationalinsights:Workspace",
    api_version="2023-09-01",
    path="/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
    "Microsoft.OperationalInsights/workspaces/{workspaceName}",
    body=Shape(
        "Workspace",
        {
            **top(
                id=ro(),
                location="string",
                tags="map",
                name=ro(),
                type=ro(),
                etag=ro(),
                identity="any",
                systemData=ro("object"),
            ),
            **props(
                sku=obj(
                    Shape(
                        "WorkspaceSku",
                        top(name="string", capacityReservationLevel="integer", lastSkuUpdate=ro()),
                    )
                ),
                retentionInDays="integer",
                workspaceCapping="any",
                publicNetworkAccessForIngestion="string",
                publicNetworkAccessForQuery="string",
                forceCmkForQuery="boolean",
                features="any",
                defaultDataCollectionRuleResourceId="string",
                customerId=ro(),
                provisioningState=ro(),
                createdDate=ro(),
                modifiedDate=ro(),
                privateLinkScopedResources=ro("array"),
            ),
        },
    ),
    force_new=("location",),
    force_new_source="TrackedResource.location x-ms-mutability [read, create] (unverified for this spec)",
    auto_name={"workspaceName": "random"},
)
