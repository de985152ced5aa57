"""The Pulumi program (Pulumi.yaml `main`): the stack's config -> one BatchEnvironment -> stack outputs."""

from __future__ import annotations

from pathlib import Path

import pulumi

from batch_infra.components.environment import BatchEnvironment
from batch_infra.config import load_pulumi_config

# The environment's logical name: every child's URN starts with it, so it is public API.
ENVIRONMENT_NAME = "batch"


def build(project_dir: Path | str) -> dict[str, pulumi.Output]:
    """Declares the environment from pulumi.Config and returns the stack outputs (names, ids; never keys)."""
    loaded = load_pulumi_config(project_dir)
    environment = BatchEnvironment(
        ENVIRONMENT_NAME, {"config": loaded.config, "project_dir": str(project_dir)}
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
    }


def main() -> None:
    # The Python language host runs the program from the project directory (where Pulumi.yaml is).
    for key, value in build(Path.cwd()).items():
        pulumi.export(key, value)


# The Pulumi language host runs this file with run_name "__main__"; importing it declares nothing.
if __name__ == "__main__":
    main()
