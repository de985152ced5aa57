"""Put a planned stack into the local emulator the way `pulumi up` would, to try the commands on it.

ARM resources are PUT through the Azure SDKs with the inputs the components declare (azure-native flattens
`properties`; the SDK's serializer takes the flattened REST names); the dynamic resources run their own
providers' check + create in-process (the quota check grades the account, ApplicationPackage uploads to
Azurite, Pool resolves its image and waits for steady). Mock ids (subscription 0000..., the mock account
endpoint) are swapped for the emulator's, which is all the engine would resolve differently. Re-running is
safe: ARM PUTs are idempotent and the providers adopt what already exists unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from batch_infra.errors import BatchInfraError
from batch_infra.ops.mock_azure import MOCK_SUBSCRIPTION
from batch_infra.ops.plan import Plan, PlannedResource
from batch_infra.providers import azure_clients
from batch_infra.providers.azure_clients import Target
from batch_infra.providers.azure_failures import calling

ORDER = (
    "azure-native:resources:ResourceGroup",
    "azure-native:storage:StorageAccount",
    "azure-native:network:NetworkSecurityGroup",
    "azure-native:network:VirtualNetwork",
    "azure-native:network:Subnet",
    "azure-native:batch:BatchAccount",
    "azure-native:batch:Application",
    "pulumi-python:dynamic/quota:QuotaCheck",
    "pulumi-python:dynamic/app_package:ApplicationPackage",
    "pulumi-python:dynamic/pool:Pool",
)
# Guard rails and private networking: what keys, quotas and images never read, so they are listed as not
# deployed instead of imitated here (the test engine deploys them; tests/deployments).
NOT_DEPLOYED_WHY = "not needed to try keys rotate, quota and images; `pulumi up` creates it"
QUOTA_FIX = (
    "lower the stack's node counts, or grant the increase as Azure support would, through the emulator's "
    "admin API: PUT <admin_endpoint of the ready file>/accounts/<account>/quotas with e.g. "
    '{"dedicatedCoreQuotaPerVMFamily": [{"name": "<family>", "coreQuota": <cores>}]} '
    '(batch_infra/emulator/README.md, "Admin API"), then deploy again'
)
IDENTITY_ID = re.compile(
    r"/subscriptions/[^/\"]+/resourceGroups/(?P<group>[^/\"]+)/providers/Microsoft\.ManagedIdentity/"
    r"userAssignedIdentities/[^/\"]+",
    re.IGNORECASE,
)
IDENTITY_API = "2023-01-31"
GROUP_API = "2024-03-01"
ARM_PATH_KEYS = {
    "resourceGroupName",
    "accountName",
    "virtualNetworkName",
    "subnetName",
    "networkSecurityGroupName",
    "applicationName",
}


@dataclass
class Deployment:
    """By resource name: what Azure answered (ARM) or the provider's outputs (dynamic); what was left out."""

    state: dict[str, dict[str, Any]] = field(default_factory=dict)
    created: list[tuple[str, str]] = field(default_factory=list)  # (type token, resource name)
    not_deployed: list[tuple[str, str]] = field(default_factory=list)


def deploy(
    target: Target,
    plan: Plan,
    on_step: Callable[[str], None] = lambda _: None,
    *,
    create_identities: bool = False,
) -> Deployment:
    """Create every custom resource of `plan` that keys, quota and images read, in `pulumi up`'s order.

    The dynamic providers build their clients from the environment, so BATCH_INFRA_EMULATOR must name
    `target`'s ready file (the CLI sees to it). `create_identities`: first create the user-assigned
    identities the stack names but does not own (in Azure they exist before the stack)."""
    if not target.is_emulator:
        raise BatchInfraError(
            "emulator deploy writes only to the local emulator, never to Azure",
            fix="deploy to Azure with `pulumi up`; point BATCH_INFRA_EMULATOR at an emulator's ready file",
        )
    by_type: dict[str, list[PlannedResource]] = {}
    result = Deployment()
    for resource in plan.resources:
        if not resource.custom:
            continue
        if resource.type in ORDER:
            by_type.setdefault(resource.type, []).append(resource)
        else:
            result.not_deployed.append((resource.type, resource.name))
    if create_identities:
        for identity in user_assigned_identities(target, plan):
            on_step(f"identity {identity.rsplit('/', 1)[-1]}")
            _create_identity(target, identity, _location(plan))
    account: dict[str, Any] = {}
    for type_token in ORDER:
        for resource in by_type.get(type_token, []):
            on_step(f"{_short(type_token)} {resource.name}")
            inputs = _real(target, resource.properties, account)
            with calling(
                f"create {resource.name} ({type_token}) in the emulator",
                fix="a resource the stack names but does not create (a user-assigned identity) must exist "
                "first: pass --create-identities to make them in the emulator",
            ):
                result.state[resource.name] = _create(target, type_token, inputs, resource.name)
            result.created.append((type_token, resource.name))
            if type_token == "azure-native:batch:BatchAccount":
                account = result.state[resource.name]
    return result


def user_assigned_identities(target: Target, plan: Plan) -> list[str]:
    """The ids of the user-assigned identities the stack's resources name, in the target's subscription."""
    text = json.dumps([r.properties for r in plan.resources if r.type in ORDER], default=str)
    return sorted(
        {m.group(0) for m in IDENTITY_ID.finditer(text.replace(MOCK_SUBSCRIPTION, target.subscription_id))}
    )


def _location(plan: Plan) -> str:
    groups = [r for r in plan.resources if r.type == "azure-native:resources:ResourceGroup"]
    return str(groups[0].properties.get("location", "westeurope")) if groups else "westeurope"


def _create_identity(target: Target, identity: str, location: str) -> None:
    resources = azure_clients.resource_client(target).resources
    group = identity.split("/providers/")[0]
    with calling(f"create the user-assigned identity {identity} in the emulator"):
        resources.begin_create_or_update_by_id(group, GROUP_API, {"location": location}).result()
        resources.begin_create_or_update_by_id(identity, IDENTITY_API, {"location": location}).result()


def _short(type_token: str) -> str:
    return type_token.rsplit(":", 1)[-1]


def _real(target: Target, inputs: dict[str, Any], account: dict[str, Any]) -> dict[str, Any]:
    values = json.loads(json.dumps(inputs).replace(MOCK_SUBSCRIPTION, target.subscription_id))
    if "accountEndpoint" in values and account:
        values["accountEndpoint"] = account["properties"]["accountEndpoint"]
    return values


def _create(target: Target, type_token: str, inputs: dict[str, Any], name: str) -> dict[str, Any]:
    if type_token.startswith("pulumi-python:dynamic/"):
        return _dynamic(type_token, inputs, name)
    body = {k: v for k, v in inputs.items() if k not in ARM_PATH_KEYS}
    group = inputs.get("resourceGroupName")
    if type_token == "azure-native:resources:ResourceGroup":
        return azure_clients.resource_client(target).resource_groups.create_or_update(group, body).as_dict()
    if type_token == "azure-native:storage:StorageAccount":
        storage = azure_clients.storage_client(target).storage_accounts
        return storage.begin_create(group, inputs["accountName"], body).result().as_dict()
    if type_token.startswith("azure-native:network:"):
        return _network(target, type_token, group, inputs, body)
    return _batch(target, type_token, group, inputs, body)


def _network(target: Target, type_token: str, group: str, inputs: dict[str, Any], body: dict) -> dict:
    network = azure_clients.network_client(target)
    if type_token == "azure-native:network:NetworkSecurityGroup":
        poller = network.network_security_groups.begin_create_or_update(
            group, inputs["networkSecurityGroupName"], body
        )
    elif type_token == "azure-native:network:VirtualNetwork":
        poller = network.virtual_networks.begin_create_or_update(group, inputs["virtualNetworkName"], body)
    else:
        poller = network.subnets.begin_create_or_update(
            group, inputs["virtualNetworkName"], inputs["subnetName"], body
        )
    return poller.result().as_dict()


def _batch(target: Target, type_token: str, group: str, inputs: dict[str, Any], body: dict) -> dict:
    batch = azure_clients.batch_mgmt_client(target)
    if type_token == "azure-native:batch:Application":
        return batch.application.create(
            group, inputs["accountName"], inputs["applicationName"], {"properties": body}
        ).as_dict()
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


def _dynamic(type_token: str, inputs: dict[str, Any], name: str) -> dict[str, Any]:
    """check, then create, as the engine calls a dynamic provider; check's failures stop the deployment."""
    if type_token.endswith(":QuotaCheck"):
        from batch_infra.providers import quota_lifecycle

        checked = quota_lifecycle.check(inputs)
        _refuse_failures(name, checked.failures, fix=QUOTA_FIX)
        return quota_lifecycle.create(checked.inputs).outs
    if type_token.endswith(":ApplicationPackage"):
        from batch_infra.providers import app_package_lifecycle as provider
    else:
        from batch_infra.providers import pool_lifecycle as provider  # type: ignore[no-redef]
    checked = provider.check({}, inputs)
    _refuse_failures(name, checked.failures)
    return provider.create(checked.inputs).outs


def _refuse_failures(name: str, failures: list[Any], fix: str | None = None) -> None:
    if failures:
        reasons = "; ".join(f"{f.property}: {f.reason}" for f in failures)
        raise BatchInfraError(
            f"{name}: the provider's check refused it, as `pulumi up` would: {reasons}",
            fix=fix or "fix the stack (run `batch-infra preflight` for the details), then deploy again",
        )
