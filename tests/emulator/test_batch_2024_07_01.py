"""Batch accounts and applications at 2024-07-01 (what azure-native 3.x sends) served with 2025-06-01 shapes.

The two versions define the same properties. The evidence is the installed azure-native SDK, generated from
BatchManagement.json 2024-07-01, checked here against the 2025-06-01 extract.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from pulumi._types import input_type_py_to_pulumi_names
from pulumi_azure_native import batch

from batch_infra.emulator import specs

ENVELOPE = {"id", "name", "type", "location", "tags", "identity", "systemData", "etag", "azureApiVersion"}


def sdk_names(resource: Any) -> tuple[set[str], set[str]]:
    """(input names, output names) of an azure-native resource class, in camelCase."""
    module = sys.modules[resource.__module__]
    args = getattr(module, f"{resource.__name__}InitArgs", None) or getattr(
        module, f"{resource.__name__}Args"
    )
    inputs = set(input_type_py_to_pulumi_names(args).values())
    outputs = {v.fget._pulumi_name for v in vars(resource).values() if isinstance(v, property)}
    return inputs, outputs


def spec_properties(definition: str) -> set[str]:
    return set(specs.load(specs.BATCH_MGMT)["definitions"][definition]["properties"])


@pytest.mark.parametrize(
    ("resource", "path_params", "create", "served"),
    [
        (
            batch.BatchAccount,
            {"accountName", "resourceGroupName"},
            "BatchAccountCreateProperties",
            "BatchAccountProperties",
        ),
        (
            batch.Application,
            {"accountName", "applicationName", "resourceGroupName"},
            "ApplicationProperties",
            "ApplicationProperties",
        ),
    ],
)
def test_2024_07_01_defines_the_properties_2025_06_01_does(resource, path_params, create, served) -> None:
    inputs, outputs = sdk_names(resource)
    assert inputs - path_params - ENVELOPE == spec_properties(create)
    assert outputs - ENVELOPE == spec_properties(served)
