"""The shipped dev stack's azure-native resources, with the inputs the Python SDK registers (the program run
under Pulumi's mocks), created on the emulator in dependency order; refresh then diff shows no change; all
deleted in reverse order. Catches any SDK input the type tables cannot map or that Azure refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.engine.azure_native import AzureNativeProvider
from tests.engine.values import UNKNOWN

pytestmark = pytest.mark.emulator
MOCK_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"  # batch_infra/ops/mock_azure.py's ids


def agrees(preview: Any, actual: Any) -> bool:
    """Every known value of a preview equals the real output (unknowns stand for anything)."""
    if preview is UNKNOWN:
        return True
    if isinstance(preview, dict):
        known = {k: v for k, v in preview.items() if v is not UNKNOWN}
        return isinstance(actual, dict) and all(
            k in actual and agrees(v, actual[k]) for k, v in known.items()
        )
    if isinstance(preview, list):
        return isinstance(actual, list) and len(actual) == len(preview) and all(map(agrees, preview, actual))
    return preview == actual


def in_dependency_order(resources: list[Any]) -> list[Any]:
    done: set[str] = set()
    ordered: list[Any] = []
    pending = list(resources)
    while pending:
        ready = [
            r for r in pending if all(d in done or d not in {p.urn for p in pending} for d in r.dependencies)
        ]
        assert ready, "a dependency cycle among the planned resources"
        for resource in ready:
            ordered.append(resource)
            done.add(resource.urn)
            pending.remove(resource)
    return ordered


def test_dev_stack_azure_native_resources_deploy_refresh_clean_and_delete(clean_emulator, planned) -> None:
    provider = AzureNativeProvider.from_ready_file(clean_emulator.ready_file)
    subscription = clean_emulator.info["subscription_id"]
    natives = [r for r in planned("dev").resources if r.type.startswith("azure-native:")]
    assert {r.type.split(":")[-1] for r in natives} >= {"ResourceGroup", "StorageAccount", "BatchAccount"}
    created: list[tuple[Any, str, dict[str, Any], dict[str, Any]]] = []
    for resource in in_dependency_order(natives):
        news = json.loads(json.dumps(resource.inputs).replace(MOCK_SUBSCRIPTION, subscription))
        inputs, failures = provider.check(resource.urn, resource.type, None, news)
        assert failures == [], (resource.name, failures)
        _, preview = provider.create(resource.urn, resource.type, inputs, preview=True)
        resource_id, outputs = provider.create(resource.urn, resource.type, inputs, preview=False)
        # What the preview claimed to know is what Azure then answered, where Azure answers it (location:
        # Azure's normal form; the emulator does not echo every input, e.g. a VNet's enableVmProtection).
        claimed = {k: v for k, v in preview.items() if k != "location" and k in outputs}
        wrong = {k: (v, outputs[k]) for k, v in claimed.items() if not agrees({k: v}, outputs)}
        assert wrong == {}, resource.name
        created.append((resource, resource_id, inputs, outputs))
    for resource, resource_id, inputs, outputs in created:
        read = provider.read(resource.urn, resource.type, resource_id, inputs, outputs)
        assert read is not None, resource.name
        diff = provider.diff(resource.urn, resource.type, resource_id, read.outputs, read.inputs, inputs)
        assert diff.changes is False, (resource.name, diff)
    for resource, resource_id, _, outputs in reversed(created):
        provider.delete(resource.urn, resource.type, resource_id, outputs)
        assert provider.read(resource.urn, resource.type, resource_id, None, None) is None, resource.name
