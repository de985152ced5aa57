"""Typed, validated stack configuration: the `batch-infra:*` keys of `stacks/Pulumi.<env>.yaml`."""

from batch_infra.config.loader import LoadedStack, SecretRef, load_pulumi_config, load_stack_file, stack_file
from batch_infra.config.stack import Policies, StackConfig

__all__ = [
    "LoadedStack",
    "Policies",
    "SecretRef",
    "StackConfig",
    "load_pulumi_config",
    "load_stack_file",
    "stack_file",
]
