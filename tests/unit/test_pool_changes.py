"""Pool property classification: the table is complete, cited, and classify() sorts changes by it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic.alias_generators import to_camel

from batch_infra import pool_changes
from batch_infra.config.pools import PoolConfig
from batch_infra.pool_changes import BY_KEY, Change, classify

BASE = {
    "id": "render", "accountName": "contosodevbatch", "resourceGroupName": "rg", "subscriptionId": "sub",
    "accountEndpoint": "https://contosodevbatch.westeurope.batch.azure.com", "location": "westeurope",
    "vmSize": "Standard_D2s_v5", "scale": {"targetDedicatedNodes": 1},
    "image": {"os": "ubuntu 24.04"},
    "resolvedImage": {"publisher": "canonical", "offer": "ubuntu-24_04-lts", "sku": "server",
                      "version": "latest", "nodeAgentSkuId": "batch.node.ubuntu 24.04", "endOfLife": None,
                      "selector": "{}"},
    "metadata": {"purpose": "dev"}, "taskSlotsPerNode": 1, "onImmutableChange": "fail",
}


def test_every_pool_config_key_has_a_rule_and_the_source_is_cited():
    camel = {field.alias or to_camel(name) for name, field in PoolConfig.model_fields.items()}
    assert camel - set(BY_KEY) == set(), "every config key needs a change rule"
    assert "batch-pool-update-properties" in pool_changes.__doc__
    assert "2024-07-01" in pool_changes.__doc__


@pytest.mark.parametrize(("key", "expected"), [
    ("applicationPackages", Change.LIVE), ("metadata", Change.LIVE), ("scale", Change.LIVE),
    ("startTask", Change.LIVE), ("vmSize", Change.WHEN_EMPTY), ("resolvedImage", Change.WHEN_EMPTY),
    ("taskSlotsPerNode", Change.WHEN_EMPTY), ("network", Change.WHEN_EMPTY),
    ("nodeCommunicationMode", Change.INTERNAL), ("certificates", Change.REPLACE),
    ("certificateIdentityClientId", Change.REPLACE),
    ("userAccounts", Change.WHEN_EMPTY), ("id", Change.REPLACE), ("accountName", Change.REPLACE),
])
def test_documented_classes(key, expected):
    assert BY_KEY[key].change is expected


def test_unchanged_inputs_plan_nothing_even_through_grpc_number_and_empty_forms():
    wire_form = {**BASE, "scale": {"targetDedicatedNodes": 1.0, "targetSpotNodes": None}, "dataDisks": []}
    plan = classify(BASE, wire_form)
    assert plan.changes == () and plan.action() == "none"


def test_a_recased_pool_id_is_the_same_pool_and_a_new_id_replaces_it():
    base = {**BASE, "id": "dev-small"}
    recased = classify(base, {**base, "id": "Dev-Small"})
    assert recased.keys(Change.INTERNAL) == ["id"] and recased.replaces("fail") == []
    assert recased.azure_changes == [] and recased.action() == "none"
    renamed = classify(base, {**base, "id": "dev-large"})
    assert renamed.replaces("fail") == ["id"]


def test_scale_change_updates_live():
    plan = classify(BASE, {**BASE, "scale": {"targetDedicatedNodes": 3}})
    assert plan.keys(Change.LIVE) == ["scale"] and plan.action() == "update" and not plan.needs_empty_pool


def test_vm_size_change_needs_an_empty_pool_or_opt_in_replacement():
    plan = classify(BASE, {**BASE, "vmSize": "Standard_D4s_v5"})
    assert plan.needs_empty_pool and plan.action("fail") == "update"
    assert plan.replaces("replace") == ["vmSize"] and plan.action("replace") == "replace"


def test_selector_text_alone_is_internal_but_a_new_image_is_not():
    same_image = {**BASE, "image": {"publisher": "canonical", "offer": "ubuntu-24_04-lts", "sku": "server"},
                  "resolvedImage": {**BASE["resolvedImage"], "selector": "other", "endOfLife": "2030-01-01"}}
    assert classify(BASE, same_image).action() == "none"
    jammy = {**same_image, "resolvedImage": {**same_image["resolvedImage"], "sku": "22_04-lts"}}
    assert classify(BASE, jammy).keys(Change.WHEN_EMPTY) == ["resolvedImage"]


def test_account_change_replaces_whatever_the_policy():
    plan = classify(BASE, {**BASE, "accountName": "other"})
    assert plan.replaces("fail") == ["accountName"]


def test_unknown_key_is_refused_with_the_fix():
    with pytest.raises(ValueError, match="no change rule"):
        classify(BASE, {**BASE, "serviceArtifactReference": {"id": "x"}})


@given(st.lists(st.sampled_from(sorted(BY_KEY)), unique=True, max_size=6))
def test_plan_action_follows_the_strongest_change(keys):
    new = {**BASE, **{k: {"changed": True} for k in keys}}
    plan = classify(BASE, new)
    classes = {BY_KEY[k].change for k in keys}
    assert {c.key for c in plan.changes} == set(keys)
    if Change.REPLACE in classes:
        assert plan.action("fail") == "replace"
    elif classes & {Change.WHEN_EMPTY}:
        assert plan.action("fail") == "update" and plan.action("replace") == "replace"
    elif Change.LIVE in classes:
        assert plan.action("replace") == "update"
    else:
        assert plan.action("replace") == "none"
