"""Each component on its own under mocks: branches the three stacks don't reach, and output registration."""

from __future__ import annotations

import pulumi
import pytest

from batch_infra.components import BatchAccount, BatchApplications, BatchEnvironment, BatchNetwork
from batch_infra.components.network import node_communication_rules
from batch_infra.config.stack import StackConfig
from batch_infra.ops.plan import run_under_mocks

KEY_VAULT = {
    "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-batch",
    "url": "https://kv-batch.vault.azure.net/",
}


def config(**overrides) -> StackConfig:
    values = {"environment": "test", "location": "northeurope", "naming": {"prefix": "fabrikam"}, **overrides}
    return StackConfig.model_validate(values)


def run(stack_config: StackConfig):
    def program():
        env = BatchEnvironment("env", {"config": stack_config, "project_dir": "."})
        return {"endpoint": env.account_endpoint, "applications": env.application_ids}

    resources, outputs = run_under_mocks(program, stack="test", config={}, secret_keys=[])
    return {r.name: r for r in resources}, outputs


def test_user_subscription_mode_passes_the_key_vault_reference():
    resources, _ = run(
        config(account={"poolAllocationMode": "UserSubscription", "keyVaultReference": KEY_VAULT})
    )
    batch = resources["env-account-batch"].inputs
    assert batch["poolAllocationMode"] == "UserSubscription"
    assert batch["keyVaultReference"] == KEY_VAULT


def test_extra_outbound_destinations_get_their_own_rules_after_batch_and_storage():
    resources, _ = run(config(network={"extraOutbound443": ["AzureMonitor", "10.0.0.0/24"]}))
    rules = resources["env-network-nsg"].inputs["securityRules"]
    assert [(r["name"], r["destinationAddressPrefix"], r["priority"]) for r in rules] == [
        ("allow-batch-node-management-out", "BatchNodeManagement.northeurope", 100),
        ("allow-storage-out", "Storage.northeurope", 110),
        ("allow-extra-0-out", "AzureMonitor", 120),
        ("allow-extra-1-out", "10.0.0.0/24", 130),
        ("deny-internet-in", "*", 4000),
    ]


def test_no_inbound_rule_is_ever_opened():
    rules = node_communication_rules("westus2", ["AzureMonitor"])
    assert {r["direction"] for r in rules} == {"Outbound"}
    assert len({r["priority"] for r in rules}) == len(rules)


def test_an_environment_without_applications_has_an_empty_applications_component():
    resources, outputs = run(config())
    assert not [r for r in resources.values() if r.type == "azure-native:batch:Application"]
    assert outputs == {"endpoint": "fabrikamtestbatch.northeurope.batch.azure.com", "applications": {}}


def test_two_environments_in_one_program_do_not_collide():
    stack_config = config()

    def program():
        first = BatchEnvironment("blue", {"config": stack_config, "project_dir": "."})
        second = BatchEnvironment("green", {"config": stack_config, "project_dir": "."})
        return {"blue": first.batch_account_name, "green": second.batch_account_name}

    resources, _ = run_under_mocks(program, stack="test", config={}, secret_keys=[])
    urns = [r.urn for r in resources]
    assert len(urns) == len(set(urns)) == 2 * 11  # 10 resources + the QuotaCheck per environment


@pytest.mark.parametrize("component", [BatchEnvironment, BatchNetwork, BatchAccount, BatchApplications])
def test_registered_outputs_match_the_annotated_output_attributes(component, monkeypatch):
    registered: dict[str, set[str]] = {}
    original = pulumi.ComponentResource.register_outputs

    def record(self, outputs):
        registered[type(self).__name__] = set(outputs)
        return original(self, outputs)

    monkeypatch.setattr(pulumi.ComponentResource, "register_outputs", record)
    run(config(applications=[{"id": "tool"}]))
    # The class's own annotations (strings under `from __future__ import annotations`).
    annotated = {k for k, v in component.__annotations__.items() if str(v).startswith("pulumi.Output[")}
    assert annotated and registered[component.__name__] == annotated
