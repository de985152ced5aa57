"""Shared setup for the Batch emulator tests: resource group, account, pool bodies."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

RG = "rg-batch"
LOCATION = "westeurope"
UBUNTU_24 = {"publisher": "canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"}
AGENT_24 = "batch.node.ubuntu 24.04"

needs_storage = pytest.mark.skipif(
    importlib.util.find_spec("batch_infra.emulator.services.storage") is None,
    reason="the emulated Microsoft.Storage service (auto-storage accounts) is not built yet",
)


def make_account(emulator: Any, name: str = "batchacct", *, storage: str | None = None) -> Any:
    """Resource group + Batch account (create LRO), optionally linked to a new auto-storage account."""
    emulator.resource_client().resource_groups.create_or_update(RG, {"location": LOCATION})
    props: dict[str, Any] = {}
    if storage:
        created = (
            emulator.storage_client()
            .storage_accounts.begin_create(
                RG, storage, {"location": LOCATION, "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}
            )
            .result()
        )
        props["autoStorage"] = {"storageAccountId": created.id}
    return (
        emulator.batch_mgmt_client()
        .batch_account.begin_create(RG, name, {"location": LOCATION, "properties": props})
        .result()
    )


def pool_body(vm_size: str = "Standard_D2s_v5", dedicated: int = 1, **properties: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "vmSize": vm_size,
        "deploymentConfiguration": {
            "virtualMachineConfiguration": {"imageReference": UBUNTU_24, "nodeAgentSkuId": AGENT_24}
        },
        "scaleSettings": {"fixedScale": {"targetDedicatedNodes": dedicated}},
    }
    body.update(properties)
    return {"properties": body}


def raw(
    client: Any,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    api_version: str = "2025-06-01",
) -> Any:
    """A request through the SDK client's own pipeline (auth, TLS, retries), returning the raw response."""
    from azure.core.rest import HttpRequest

    request = HttpRequest(method, path, params={"api-version": api_version}, json=body, headers=headers or {})
    return client.send_request(request)


def property_path(error: Any) -> str | None:
    """Where an ARM error points: the PropertyPath detail (Batch targets "BatchAccount"), else the target."""
    for detail in error.details or []:
        if detail.code == "PropertyPath":
            return detail.message
    return error.target


def detail(error: Any, code: str) -> str | None:
    return next((d.message for d in error.details or [] if d.code == code), None)
