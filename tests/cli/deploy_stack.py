"""Apply a planned stack to the emulator the way `pulumi up` would: every resource with its declared inputs.

ARM resources are PUT through the Azure SDKs with the inputs the components declare (azure-native flattens
`properties`; the SDK's serializer takes the flattened REST names); the dynamic resources run their own
providers' check + create in-process (ApplicationPackage uploads to Azurite, Pool resolves its image and
waits for steady). Mock ids (subscription 0000..., the mock account endpoint) are swapped for the
emulator's, which is all the engine would resolve differently.
"""

from __future__ import annotations

import json
from typing import Any

from batch_infra.ops.mock_azure import MOCK_SUBSCRIPTION
from batch_infra.ops.plan import Plan, PlannedResource

ORDER = (
    "azure-native:resources:ResourceGroup",
    "azure-native:storage:StorageAccount",
    "azure-native:network:NetworkSecurityGroup",
    "azure-native:network:VirtualNetwork",
    "azure-native:network:Subnet",
    "azure-native:batch:BatchAccount",
    "azure-native:batch:Application",
    "pulumi-python:dynamic/app_package:ApplicationPackage",
    "pulumi-python:dynamic/pool:Pool",
)
ARM_BODY_KEYS = {
    "resourceGroupName",
    "accountName",
    "virtualNetworkName",
    "subnetName",
    "networkSecurityGroupName",
    "applicationName",
}


def deploy(emulator: Any, plan: Plan) -> dict[str, dict[str, Any]]:
    """Create every custom resource of `plan`; returns, by resource name, what Azure answered (ARM
    resources) or the provider's outputs (dynamic resources: what the engine would keep in state)."""
    by_type: dict[str, list[PlannedResource]] = {}
    for resource in plan.resources:
        by_type.setdefault(resource.type, []).append(resource)
    state: dict[str, dict[str, Any]] = {}
    account: dict[str, Any] = {}
    for type_token in ORDER:
        for resource in by_type.get(type_token, []):
            state[resource.name] = _create(
                emulator, type_token, _real(emulator, resource.properties, account)
            )
            if type_token == "azure-native:batch:BatchAccount":
                account = state[resource.name]
    return state


def _real(emulator: Any, inputs: dict[str, Any], account: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(inputs).replace(MOCK_SUBSCRIPTION, emulator.info["subscription_id"])
    values = json.loads(text)
    if "accountEndpoint" in values and account:
        values["accountEndpoint"] = account["properties"]["accountEndpoint"]
    return values


def _create(emulator: Any, type_token: str, inputs: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in inputs.items() if k not in ARM_BODY_KEYS}
    group = inputs.get("resourceGroupName")
    if type_token == "azure-native:resources:ResourceGroup":
        return emulator.resource_client().resource_groups.create_or_update(group, body).as_dict()
    if type_token == "azure-native:storage:StorageAccount":
        return (
            emulator.storage_client()
            .storage_accounts.begin_create(group, inputs["accountName"], body)
            .result()
            .as_dict()
        )
    network = emulator.network_client()
    if type_token == "azure-native:network:NetworkSecurityGroup":
        return (
            network.network_security_groups.begin_create_or_update(
                group, inputs["networkSecurityGroupName"], body
            )
            .result()
            .as_dict()
        )
    if type_token == "azure-native:network:VirtualNetwork":
        return (
            network.virtual_networks.begin_create_or_update(group, inputs["virtualNetworkName"], body)
            .result()
            .as_dict()
        )
    if type_token == "azure-native:network:Subnet":
        return (
            network.subnets.begin_create_or_update(
                group, inputs["virtualNetworkName"], inputs["subnetName"], body
            )
            .result()
            .as_dict()
        )
    batch = emulator.batch_mgmt_client()
    if type_token == "azure-native:batch:BatchAccount":
        identity = body.pop("identity", None)
        wire: dict[str, Any] = {
            "location": body.pop("location"),
            "tags": body.pop("tags", None),
            "properties": body,
        }
        if identity:
            users = identity.get("userAssignedIdentities") or []
            wire["identity"] = {
                "type": identity["type"],
                **({"userAssignedIdentities": {i: {} for i in users}} if users else {}),
            }
        return batch.batch_account.begin_create(group, inputs["accountName"], wire).result().as_dict()
    if type_token == "azure-native:batch:Application":
        return batch.application.create(
            group, inputs["accountName"], inputs["applicationName"], {"properties": body}
        ).as_dict()
    return _dynamic(type_token, inputs)


def _dynamic(type_token: str, inputs: dict[str, Any]) -> dict[str, Any]:
    if type_token.endswith(":ApplicationPackage"):
        from batch_infra.providers import app_package_lifecycle as provider
    else:
        from batch_infra.providers import pool_lifecycle as provider  # type: ignore[no-redef]
    checked = provider.check({}, inputs)
    assert not checked.failures, checked.failures
    return provider.create(checked.inputs).outs
