"""The stack's pools: one Pool dynamic resource per configured pool, in the account, after its packages."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import managedidentity

from batch_infra.config.stack import StackConfig
from batch_infra.providers.pool import Pool
from batch_infra.providers.pool_spec import PRIVATE_ACCOUNT_ENDPOINT, carries_sas, config_inputs, pool_inputs


def stack_pools(
    name: str,
    *,
    config: StackConfig,
    parent: pulumi.Resource,
    resource_group_name: pulumi.Input[str],
    account_name: pulumi.Input[str],
    account_id: pulumi.Output[str],
    account_endpoint: pulumi.Input[str],
    subnet_id: pulumi.Input[str],
    depends_on: list[pulumi.Resource],
    secret: bool = False,
) -> dict[str, Pool]:
    """Pools keyed by pool id, named f"{name}-pool-<pool id>" with `parent`; see pool_spec for the inputs.

    `secret`: the pools config holds a secure value (the engine does not say which), so every input taken
    from it, and the same-named output, is a secret.
    """
    secrets = pulumi.Config("batch-infra")
    policies = config.policies.pool_policies()
    if config.account.public_access("accountAccess") == "closed":
        # Only private accounts carry the flag, so other stacks' pool inputs stay as they were.
        policies[PRIVATE_ACCOUNT_ENDPOINT] = True
    pools: dict[str, Pool] = {}
    for pool in config.pools:
        passwords = {
            u.name: secrets.require_secret(u.password_secret) for u in pool.user_accounts if u.password_secret
        }
        # Registry passwords, mount keys, SAS tokens, protected settings: secret config only, secret in state.
        secret_values = {key: secrets.require_secret(key) for key in pool.secret_keys()}
        client_id = None
        if pool.certificates:
            # The Key Vault extension authenticates with the identity's client id, which only Azure knows.
            identity = managedidentity.UserAssignedIdentity.get(
                f"{pool_name(name, pool.id)}-identity",
                pool.certificates.identity,
                opts=pulumi.ResourceOptions(parent=parent, aliases=_former_names(name, pool.id, "-identity")),
            )
            client_id = identity.client_id
        inputs = pool_inputs(
            pool,
            subscription_id=account_id.apply(_subscription),
            resource_group_name=resource_group_name,
            account_name=account_name,
            account_endpoint=account_endpoint,
            location=config.location,
            subnet_id=subnet_id,
            policies=policies,
            user_passwords=passwords,
            certificate_identity_client_id=client_id,
            secret_values=secret_values,
        )
        secret_outputs = []
        if secret:
            for key in config_inputs(pool):
                inputs[key] = pulumi.Output.secret(inputs[key])
            secret_outputs += sorted(config_inputs(pool))
        elif carries_sas(inputs.get("startTask")):
            # A SAS in the command line, a resource file URL or an environment value is a credential:
            # secret in the state's inputs too. The Pool cannot see inside the Output to mark the output
            # secret itself, so it is named here.
            inputs["startTask"] = pulumi.Output.secret(inputs["startTask"])
            secret_outputs.append("startTask")
        opts = pulumi.ResourceOptions(
            parent=parent,
            depends_on=depends_on,
            additional_secret_outputs=secret_outputs,
            aliases=_former_names(name, pool.id),
        )
        pools[pool.id] = Pool(pool_name(name, pool.id), inputs, opts)
    return pools


def pool_name(name: str, pool_id: str) -> str:
    """Child name of a pool: public API (URNs), so pinned by tests.

    Case-folded, as Batch compares pool ids: re-casing an id in the config keeps the URN (a new URN would
    make the engine create the "new" pool, which adopts the live one, then delete the "old" one: the same
    pool in Azure).
    """
    return f"{name}-pool-{pool_id.lower()}"


def _former_names(name: str, pool_id: str, suffix: str = "") -> list[pulumi.Alias]:
    """The name as configured, which child names used before they were case-folded."""
    written = f"{name}-pool-{pool_id}{suffix}"
    return [pulumi.Alias(name=written)] if written != f"{pool_name(name, pool_id)}{suffix}" else []


def _subscription(resource_id: str) -> str:
    """The subscription id of an ARM resource id (/subscriptions/<id>/...)."""
    return resource_id.split("/")[2]
