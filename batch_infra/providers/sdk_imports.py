"""Loads the Azure SDK once, under one lock, before a dynamic provider call runs in the server's threads.

Pulumi's provider server (`python -m pulumi.dynamic`) runs calls on a 4-thread pool, and the engine sends
Check calls of different resources at once. The providers import the Azure SDK lazily (the Pulumi program
imports the provider modules too, and must stay light), so two threads could each start importing a
different part of azure.core first; azure.core's modules import each other, and CPython then stops one
thread with `_DeadlockError` (seen through the test engine: the quota and pool checks of the first preview).
"""

from __future__ import annotations

import importlib
import threading

# Every Azure SDK module batch_infra imports lazily (grep "from azure" in batch_infra/).
MODULES = (
    "azure.core",
    "azure.core.exceptions",
    "azure.core.credentials",
    "azure.core.pipeline",
    "azure.core.pipeline.policies",
    "azure.identity",
    "azure.mgmt.batch",
    "azure.mgmt.batch.models",
    "azure.mgmt.storage",
    "azure.mgmt.storage.models",
    "azure.mgmt.network",
    "azure.mgmt.resource",
    "azure.batch",
    "azure.storage.blob",
    "azure.keyvault.secrets",
    # batch-infra's own provider modules import each other (and the SDK) the same way.
    "batch_infra.providers.pool_lifecycle",
    "batch_infra.providers.app_package_lifecycle",
    "batch_infra.providers.quota_lifecycle",
)
_lock = threading.Lock()
_loaded = False


def ensure_loaded() -> None:
    """Import every module of MODULES once; later calls return at once."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if not _loaded:
            for name in MODULES:
                importlib.import_module(name)
            _loaded = True
