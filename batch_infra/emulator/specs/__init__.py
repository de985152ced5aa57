"""Copies of the Azure REST spec extracts the emulator reads at start-up (../shared/reference/specs).

batch-mgmt-2025-06-01.json = specification/batch/resource-manager/Microsoft.Batch/Batch/stable/2025-06-01/
openapi.extract.json; batch-data-2025-06-01.json = specification/batch/data-plane/Batch/stable/2025-06-01/
BatchService.extract.json. tests/emulator/test_redaction.py checks they still equal the reference copies.
managedidentity-2023-01-31.json and authorization-roleassignments-2022-04-01.json are extracts of their own
(source path and commit in each file's info.x-extract-note); the emulator tests validate answers against them.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

BATCH_MGMT = "batch-mgmt-2025-06-01.json"
BATCH_DATA = "batch-data-2025-06-01.json"
MANAGED_IDENTITY = "managedidentity-2023-01-31.json"
ROLE_ASSIGNMENTS = "authorization-roleassignments-2022-04-01.json"


@cache
def load(name: str) -> dict[str, Any]:
    """The parsed spec file `name` (one of the constants above), read once per process."""
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))
