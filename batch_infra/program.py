"""The Pulumi program (run by the root __main__.py): the stack's config -> one BatchEnvironment -> outputs."""

from __future__ import annotations

from pathlib import Path

import pulumi

from batch_infra.components.environment import BatchEnvironment
from batch_infra.config import load_pulumi_config
from batch_infra.errors import BatchInfraError

# The environment's logical name: every child's URN starts with it, so it is public API.
ENVIRONMENT_NAME = "batch"


def build(project_dir: Path | str) -> dict[str, pulumi.Output]:
    """Declares the environment from pulumi.Config and returns the stack outputs (names, ids; never keys)."""
    loaded = load_pulumi_config(project_dir)
    _check_sign_in()
    environment = BatchEnvironment(
        ENVIRONMENT_NAME,
        {
            "config": loaded.config,
            "project_dir": str(project_dir),
            "secret_sections": loaded.secret_sections,
        },
    )
    return {
        "resourceGroupName": environment.resource_group_name,
        "location": environment.location,
        "virtualNetworkId": environment.virtual_network_id,
        "subnetId": environment.subnet_id,
        "storageAccountName": environment.storage_account_name,
        "batchAccountName": environment.batch_account_name,
        "batchAccountId": environment.batch_account_id,
        "accountEndpoint": environment.account_endpoint,
        "applicationIds": environment.application_ids,
        "poolIds": environment.pool_ids,
        # For other stacks (StackReference): where things are, by ARM id, and what is published.
        "subscriptionId": environment.subscription_id,
        "storageAccountId": environment.storage_account_id,
        "poolResourceIds": environment.pool_resource_ids,
        "applicationPackageVersions": environment.application_package_versions,
    }


def _check_sign_in() -> None:
    """One identity: refuse a stack whose azure-native sign-in config the dynamic providers cannot follow."""
    from pulumi.runtime.config import get_config

    from batch_infra.providers.sign_in import SETTINGS, providers_gap

    settings = {key: value for key in SETTINGS if (value := get_config(f"azure-native:{key}")) is not None}
    if settings and (gap := providers_gap(settings, f"stacks/Pulumi.{pulumi.get_stack()}.yaml")):
        raise gap


def main() -> None:
    """Declares the stack. The project is where Pulumi.yaml is (the engine's root), whatever the cwd.

    Our own errors (a bad config, a refused plan) leave as pulumi.RunError: Pulumi's language host prints a
    RunError's message alone, and anything else as "Program failed with an unhandled exception" with the
    traceback (pulumi-language-python-exec), which buried the file, key and fix under Python frames."""
    try:
        outputs = build(project_root())
    except BatchInfraError as err:
        raise pulumi.RunError(err.render()) from None
    for key, value in outputs.items():
        pulumi.export(key, value)


def project_root() -> Path:
    """The directory of Pulumi.yaml, as the language host passes it (--root_directory)."""
    root = pulumi.get_root_directory()
    if not root:
        raise BatchInfraError(
            "the Pulumi engine did not say where the project is (no root directory)",
            fix="run the program with `pulumi preview` / `pulumi up` (Pulumi CLI 3.100 or later) from the "
            "project, not with python directly",
        )
    return Path(root)
