"""azure-native:network PrivateEndpoint / PrivateDnsZoneGroup (Microsoft.Network 2024-05-01) and
azure-native:privatedns PrivateZone / VirtualNetworkLink (Microsoft.Network privateDnsZones 2024-06-01).

Wire names from privateEndpoint.json 2024-05-01 and privatedns.json 2024-06-01: `properties` is
x-ms-client-flatten on the resources and inside privateLinkServiceConnections[] / privateDnsZoneConfigs[].
"""

from __future__ import annotations

from tests.engine.azure_native.shapes import ResourceSpec, Shape, array, obj, props, ref_id, ro, top
from tests.engine.azure_native.types.network import SUBNET_ITEM

RG = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network"
_COMMON = dict(etag=ro(), type=ro())

CONNECTION_STATE = Shape(
    "PrivateLinkServiceConnectionState", top(status="string", description="string", actionsRequired="string")
)
SERVICE_CONNECTION = Shape(
    "PrivateLinkServiceConnection",
    {
        **top(id="string", name="string", type=ro(), etag=ro()),
        **props(
            privateLinkServiceId="string",
            groupIds=array(),
            requestMessage="string",
            privateLinkServiceConnectionState=obj(CONNECTION_STATE),
            provisioningState=ro(),
        ),
    },
)

# ipConfigurations[] carry a flattened `properties` bag (privateEndpoint.json PrivateEndpointIPConfiguration);
# the SDK's input types name every field the tables must take (tests/engine/test_azure_native_mapping.py).
IP_CONFIGURATION = Shape(
    "PrivateEndpointIPConfiguration",
    {
        **top(name="string", etag=ro(), type=ro()),
        **props(groupId="string", memberName="string", privateIPAddress="string"),
    },
)
APPLICATION_SECURITY_GROUP = Shape(
    "ApplicationSecurityGroup",
    top(id="string", location="string", tags="map", name=ro(), type=ro(), etag=ro()),
)

PRIVATE_ENDPOINT = ResourceSpec(
    token="azure-native:network:PrivateEndpoint",
    api_version="2024-05-01",
    path=RG + "/privateEndpoints/{privateEndpointName}",
    body=Shape(
        "PrivateEndpoint",
        {
            **top(id="string", location="string", tags="map", extendedLocation="any", name=ro(), **_COMMON),
            **props(
                subnet=obj(SUBNET_ITEM),
                privateLinkServiceConnections=array(SERVICE_CONNECTION),
                manualPrivateLinkServiceConnections=array(SERVICE_CONNECTION),
                customNetworkInterfaceName="string",
                ipConfigurations=array(IP_CONFIGURATION),
                applicationSecurityGroups=array(APPLICATION_SECURITY_GROUP),
                customDnsConfigs="any",
                networkInterfaces=ro("array"),
                provisioningState=ro(),
                resourceGuid=ro(),
            ),
        },
    ),
    force_new=("location",),
    force_new_source="location, as the other tracked Network types (unverified: forceNewMap not read)",
    auto_name={"privateEndpointName": "random"},
)

PRIVATE_DNS_ZONE_GROUP = ResourceSpec(
    token="azure-native:network:PrivateDnsZoneGroup",
    api_version="2024-05-01",
    path=RG + "/privateEndpoints/{privateEndpointName}/privateDnsZoneGroups/{privateDnsZoneGroupName}",
    body=Shape(
        "PrivateDnsZoneGroup",
        {
            **top(id="string", name="string", etag=ro(), type=ro()),
            **props(
                privateDnsZoneConfigs=array(
                    Shape(
                        "PrivateDnsZoneConfig",
                        {
                            **top(name="string"),
                            **props(privateDnsZoneId="string", recordSets=ro("array")),
                        },
                    )
                ),
                provisioningState=ro(),
            ),
        },
    ),
    force_new_source="only path parameters replace (unverified: forceNewMap not read)",
    auto_name={"privateDnsZoneGroupName": "random"},
)

DNS = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network"

PRIVATE_ZONE = ResourceSpec(
    token="azure-native:privatedns:PrivateZone",
    api_version="2024-06-01",
    path=DNS + "/privateDnsZones/{privateZoneName}",
    body=Shape(
        "PrivateZone",
        {
            **top(id=ro(), location="string", tags="map", name=ro(), **_COMMON),
            **props(
                maxNumberOfRecordSets=ro("integer"),
                numberOfRecordSets=ro("integer"),
                maxNumberOfVirtualNetworkLinks=ro("integer"),
                numberOfVirtualNetworkLinks=ro("integer"),
                maxNumberOfVirtualNetworkLinksWithRegistration=ro("integer"),
                numberOfVirtualNetworkLinksWithRegistration=ro("integer"),
                provisioningState=ro(),
                internalId=ro(),
            ),
        },
    ),
    force_new_source="only path parameters replace (unverified: forceNewMap not read)",
    auto_name={"privateZoneName": "random"},
)

VIRTUAL_NETWORK_LINK = ResourceSpec(
    token="azure-native:privatedns:VirtualNetworkLink",
    api_version="2024-06-01",
    path=DNS + "/privateDnsZones/{privateZoneName}/virtualNetworkLinks/{virtualNetworkLinkName}",
    body=Shape(
        "VirtualNetworkLink",
        {
            **top(id=ro(), location="string", tags="map", name=ro(), **_COMMON),
            **props(
                virtualNetwork=obj(ref_id()),
                registrationEnabled="boolean",
                resolutionPolicy="string",
                virtualNetworkLinkState=ro(),
                provisioningState=ro(),
            ),
        },
    ),
    force_new_source="only path parameters replace (unverified: forceNewMap not read)",
    auto_name={"virtualNetworkLinkName": "random"},
)
