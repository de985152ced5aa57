"""azure-native:network VirtualNetwork, Subnet, NetworkSecurityGroup (Microsoft.Network 2024-05-01).

Wire names from virtualNetwork.json / networkSecurityGroup.json 2024-05-01: every resource's `properties`
bag is x-ms-client-flatten, also inside nested subnets[], securityRules[] and delegations[].
Deep types this project never sets (peerings, ipAllocations, ...) pass through as given ("any").
"""

from __future__ import annotations

from tests.engine.azure_native.shapes import ResourceSpec, Shape, array, obj, props, ref_id, ro, top

RG = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network"
_COMMON = dict(etag=ro(), type=ro())

# Nested input types carry etag and provisioningState as inputs (the SDK's SecurityRuleArgs, SubnetArgs,
# ... do): they are sent if given, as azure-native sends every input its schema knows.
SECURITY_RULE = Shape(
    "SecurityRule",
    {
        **top(id="string", name="string", type="string", etag="string"),
        **props(
            description="string",
            protocol="string",
            sourcePortRange="string",
            destinationPortRange="string",
            sourceAddressPrefix="string",
            sourceAddressPrefixes=array(),
            sourceApplicationSecurityGroups=array(ref_id()),
            destinationAddressPrefix="string",
            destinationAddressPrefixes=array(),
            destinationApplicationSecurityGroups=array(ref_id()),
            sourcePortRanges=array(),
            destinationPortRanges=array(),
            access="string",
            priority="integer",
            direction="string",
            provisioningState="string",
        ),
    },
)

DELEGATION = Shape(
    "Delegation",
    {
        **top(id="string", name="string", type="string", etag="string"),
        **props(serviceName="string", actions=array(), provisioningState=ro()),
    },
)

SERVICE_ENDPOINT = Shape(
    "ServiceEndpointPropertiesFormat",
    top(service="string", locations=array(), networkIdentifier=obj(ref_id()), provisioningState="string"),
)

NSG_PROPERTIES = dict(
    flushConnection="boolean",
    provisioningState=ro(),
    resourceGuid=ro(),
    networkInterfaces=ro("array"),
    subnets=ro("array"),
    flowLogs=ro("array"),
)

# A subnet's networkSecurityGroup, routeTable, serviceEndpointPolicies: whole resources as input types.
NSG_REFERENCE = Shape(
    "NetworkSecurityGroup",
    {
        **top(id="string", location="string", tags="map", etag="string", name=ro(), type=ro()),
        **props(
            securityRules=array(SECURITY_RULE),
            defaultSecurityRules=array(SECURITY_RULE),
            **{**NSG_PROPERTIES, "provisioningState": "string", "resourceGuid": "string"},
        ),
    },
)
ROUTE_TABLE = Shape(
    "RouteTable",
    {
        **top(id="string", location="string", tags="map", etag="string", name=ro(), type=ro()),
        **props(disableBgpRoutePropagation="boolean", routes="any", provisioningState="string"),
    },
)
SERVICE_ENDPOINT_POLICY = Shape(
    "ServiceEndpointPolicy",
    {
        **top(id="string", location="string", tags="map", etag="string", name=ro(), type=ro()),
        **props(
            serviceAlias="string",
            serviceEndpointPolicyDefinitions="any",
            contextualServiceEndpointPolicies=array(),
        ),
    },
)

SUBNET_BODY = Shape(
    "Subnet",
    {
        **top(id="string", name="string", type="string", etag=ro()),
        **props(
            addressPrefix="string",
            addressPrefixes=array(),
            networkSecurityGroup=obj(NSG_REFERENCE),
            routeTable=obj(ROUTE_TABLE),
            natGateway=obj(ref_id()),
            serviceEndpoints=array(SERVICE_ENDPOINT),
            serviceEndpointPolicies=array(SERVICE_ENDPOINT_POLICY),
            ipAllocations=array(ref_id()),
            ipamPoolPrefixAllocations="any",
            delegations=array(DELEGATION),
            privateEndpointNetworkPolicies="string",
            privateLinkServiceNetworkPolicies="string",
            applicationGatewayIPConfigurations="any",
            sharingScope="string",
            defaultOutboundAccess="boolean",
            provisioningState=ro(),
            purpose=ro(),
            ipConfigurations=ro("array"),
            ipConfigurationProfiles=ro("array"),
            privateEndpoints=ro("array"),
            resourceNavigationLinks=ro("array"),
            serviceAssociationLinks=ro("array"),
            serviceGateway=ro("any"),
        ),
    },
)
# A subnet inline in a VNet (SubnetArgs) also takes what the Subnet resource leaves to Azure.
SUBNET_ITEM = Shape(
    "Subnet",
    {
        **SUBNET_BODY.fields,
        **top(etag="string"),
        **props(
            provisioningState="string",
            resourceNavigationLinks="any",
            serviceAssociationLinks="any",
            serviceGateway="any",
        ),
    },
)

VIRTUAL_NETWORK = ResourceSpec(
    token="azure-native:network:VirtualNetwork",
    api_version="2024-05-01",
    path=RG + "/virtualNetworks/{virtualNetworkName}",
    body=Shape(
        "VirtualNetwork",
        {
            **top(id="string", location="string", tags="map", extendedLocation="any", name=ro(), **_COMMON),
            **props(
                addressSpace=obj(
                    Shape("AddressSpace", top(addressPrefixes=array(), ipamPoolPrefixAllocations="any"))
                ),
                dhcpOptions=obj(Shape("DhcpOptions", top(dnsServers=array()))),
                flowTimeoutInMinutes="integer",
                subnets=array(SUBNET_ITEM),
                virtualNetworkPeerings="any",
                enableDdosProtection="boolean",
                enableVmProtection="boolean",
                ddosProtectionPlan=obj(ref_id()),
                bgpCommunities="any",
                encryption="any",
                ipAllocations=array(ref_id()),
                privateEndpointVNetPolicies="string",
                provisioningState=ro(),
                resourceGuid=ro(),
                flowLogs=ro("array"),
            ),
        },
    ),
    force_new=("location",),
    force_new_source="azure-native gen/replacement.go forceNewMap Network.VirtualNetwork",
    # Sub-resources kept from Azure when not declared inline (CONTRIBUTING.md "Sub-resources";
    # provider.go MaintainSubResourcePropertiesIfNotSet), so a standalone Subnet survives a VNet update.
    maintain=("subnets", "virtualNetworkPeerings"),
    auto_name={"virtualNetworkName": "random"},
)

SUBNET = ResourceSpec(
    token="azure-native:network:Subnet",
    api_version="2024-05-01",
    path=RG + "/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}",
    body=SUBNET_BODY,
    force_new_source="forceNewMap Network.Subnet is empty ('no force-news'): only path parameters replace",
    auto_name={"subnetName": "random"},
)

NETWORK_SECURITY_GROUP = ResourceSpec(
    token="azure-native:network:NetworkSecurityGroup",
    api_version="2024-05-01",
    path=RG + "/networkSecurityGroups/{networkSecurityGroupName}",
    body=Shape(
        "NetworkSecurityGroup",
        {
            **top(id="string", location="string", tags="map", name=ro(), **_COMMON),
            **props(
                securityRules=array(SECURITY_RULE),
                defaultSecurityRules=array(SECURITY_RULE, read_only=True),
                **NSG_PROPERTIES,
            ),
        },
    ),
    # network.json's Resource.location has no x-ms-mutability and forceNewMap has no NSG entry: a moved
    # location is an update that Azure then refuses (unverified against a live azure-native run).
    force_new_source="no forceNewMap entry; Resource.location without x-ms-mutability (unverified)",
    maintain=("securityRules",),
    auto_name={"networkSecurityGroupName": "random"},
)
