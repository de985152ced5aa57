"""Who may reach a Batch account's data plane: Azure's public network access rules, and private endpoints.

The caller's network is modelled by the listener it came in on (Request.network): the main listener is
the Internet, where the caller's public address is the `internet_caller_ip` setting; the second listener
(`vnet_endpoint` in the ready file) is "inside a VNet". Sources:
- "Configure public network access with Batch accounts": publicNetworkAccess Disabled means "private
  endpoints are required to access Batch account endpoints"; Enabled with networkProfile.accountAccess
  defaultAction Deny admits only the ipRules; "IP network rules don't apply to private endpoints".
- "Use private endpoints with Azure Batch accounts": the batchAccount sub-resource serves the data plane;
  callers resolve <account>.<region>.batch.azure.com through privatelink.batch.azure.com.
- "Azure Private Endpoint DNS configuration": without a zone linked to the caller's VNet holding the
  endpoint's record, the name resolves to the public address (so the call is a public one).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.http import Request
from batch_infra.emulator.services.private_link import dns, models

CALLER_IP_SETTING = "internet_caller_ip"
CALLER_IP_DEFAULT = "203.0.113.10"
# The VNet a "vnet" caller sits in: the `vnet_caller` setting, else the VNet of the account's endpoint.
CALLER_VNET_SETTING = "vnet_caller"


def find_account(ctx: EmulatorContext, location: str, name: str) -> dict[str, Any] | None:
    from batch_infra.emulator.services.batch_mgmt.models.common import ACCOUNTS

    for _key, doc in ctx.state.items(ACCOUNTS):
        resource = doc["resource"]
        if resource["name"].lower() == name.lower() and resource["location"] == location.lower():
            return resource
    return None


def check(ctx: EmulatorContext, request: Request, location: str, account_name: str) -> None:
    """Refuse a data-plane request the account's network rules would not let through."""
    account = find_account(ctx, location, account_name)
    if account is None:
        return  # the data plane's own 404 says the account does not exist
    if request.network == "vnet" and _through_private_endpoint(ctx, account):
        return  # IP rules and publicNetworkAccess do not apply to private endpoints
    props = account["properties"]
    caller = str(ctx.settings.get(CALLER_IP_SETTING, CALLER_IP_DEFAULT))
    if props.get("publicNetworkAccess", "Enabled") != "Enabled":
        raise refused(
            account_name,
            caller,
            "public network access is disabled (publicNetworkAccess "
            f"{props.get('publicNetworkAccess')}); reach the account through a batchAccount private "
            "endpoint from inside its network",
        )
    access = (props.get("networkProfile") or {}).get("accountAccess")
    if isinstance(access, dict) and access.get("defaultAction") == "Deny" and not _allowed(caller, access):
        raise refused(
            account_name,
            caller,
            "the caller's address is not in networkProfile.accountAccess "
            "ipRules (defaultAction Deny); add it, or call through a private endpoint",
        )


def _through_private_endpoint(ctx: EmulatorContext, account: dict[str, Any]) -> bool:
    endpoints = [e for e in models.endpoints_to(ctx, account["id"]) if models.group_of(e) == "batchAccount"]
    approved = [
        e
        for e in endpoints
        if e["properties"]["privateLinkServiceConnections"][0]["properties"][
            "privateLinkServiceConnectionState"
        ]["status"]
        == "Approved"
    ]
    vnets = (
        {str(ctx.settings[CALLER_VNET_SETTING]).lower()}
        if ctx.settings.get(CALLER_VNET_SETTING)
        else {models.vnet_of(e) for e in approved}
    )
    return any(dns.resolves_privately(ctx, vnet, account["id"], "batchAccount") for vnet in vnets)


def _allowed(caller: str, access: dict[str, Any]) -> bool:
    address = ipaddress.ip_address(caller)
    for rule in access.get("ipRules") or []:
        try:
            if rule.get("action", "Allow") == "Allow" and address in ipaddress.ip_network(rule["value"]):
                return True
        except (KeyError, ValueError):
            continue
    return False


def refused(account: str, caller: str, why: str) -> AzureError:
    """Batch's 403 for a request its network rules block (the common AuthorizationFailure code)."""
    return AzureError(
        403,
        "AuthorizationFailure",
        "This request is not authorized to perform this operation.",
        details=[
            {
                "target": "AuthorizationFailureDetail",
                "message": f"Batch account '{account}' refused a request from {caller}: {why}.",
            },
        ],
    )
