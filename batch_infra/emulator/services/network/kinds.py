"""State collections and ARM types of the Microsoft.Network resources the emulator serves."""

VNETS, SUBNETS, NSGS = "virtual_networks", "subnets", "network_security_groups"  # keyed by lower-cased ARM id
VNET_TYPE = "Microsoft.Network/virtualNetworks"
SUBNET_TYPE = "Microsoft.Network/virtualNetworks/subnets"
DELEGATION_TYPE = "Microsoft.Network/virtualNetworks/subnets/delegations"
NSG_TYPE = "Microsoft.Network/networkSecurityGroups"
RULE_TYPE = "Microsoft.Network/networkSecurityGroups/securityRules"
