"""Component resources of one Batch environment: network, accounts, applications, and the whole."""

from batch_infra.components.account import BatchAccount, BatchAccountArgs
from batch_infra.components.applications import BatchApplications, BatchApplicationsArgs
from batch_infra.components.environment import BatchEnvironment, BatchEnvironmentArgs, EnvironmentParts
from batch_infra.components.network import BatchNetwork, BatchNetworkArgs, node_communication_rules

__all__ = [
    "BatchAccount",
    "BatchAccountArgs",
    "BatchApplications",
    "BatchApplicationsArgs",
    "BatchEnvironment",
    "BatchEnvironmentArgs",
    "BatchNetwork",
    "BatchNetworkArgs",
    "EnvironmentParts",
    "node_communication_rules",
]
