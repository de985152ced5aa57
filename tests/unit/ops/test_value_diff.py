"""Old -> new per changed leaf (newcomer D17: a tag change printed as two whole dict reprs)."""

from __future__ import annotations

from batch_infra.ops.plan import PlannedResource
from batch_infra.ops.preflight_arm import compare
from batch_infra.ops.value_diff import ABSENT, MASK, ValueChange, changes


def test_objects_differ_key_by_key_with_added_and_removed_keys():
    old = {"owner": "platform-team", "managed-by": "batch-infra", "gone": "x"}
    new = {"owner": "batch-team", "managed-by": "batch-infra", "cost-center": "42"}
    found = changes(old, new, "tags")
    assert [c.render() for c in found] == [
        '~ tags.owner: "platform-team" -> "batch-team"',
        '- tags.gone: "x"',
        '+ tags.cost-center: "42"',
    ]
    assert [c.to_dict() for c in found][1:] == [
        {"path": "tags.gone", "old": "x"},
        {"path": "tags.cost-center", "new": "42"},
    ]


def test_lists_of_named_objects_match_by_name_and_others_by_position():
    old = {"rules": [{"name": "a", "priority": 100}, {"name": "b", "priority": 200}]}
    new = {"rules": [{"name": "b", "priority": 210}, {"name": "a", "priority": 100}]}
    assert [c.render() for c in changes(old, new, "")] == ["~ rules[name=b].priority: 200 -> 210"]
    assert [c.render() for c in changes([{"x": 1}], [{"x": 2}], "p")] == ["~ p[0].x: 1 -> 2"]
    assert [c.render() for c in changes(["a"], ["a", "b"], "p")] == ['~ p: ["a"] -> ["a", "b"]']


def test_secret_values_are_never_printed_only_that_they_changed():
    old = {"userAccounts": [{"name": "u", "password": "old-pass"}], "secretValues": {"k": "s1"}}
    new = {"userAccounts": [{"name": "u", "password": "new-pass"}], "secretValues": {"k": "s2"}}
    rendered = " ".join(c.render() for c in changes(old, new, ""))
    assert "old-pass" not in rendered and "new-pass" not in rendered and "s1" not in rendered
    assert rendered == f"~ userAccounts[name=u].password: {MASK} -> {MASK} ~ secretValues: {MASK} -> {MASK}"
    assert changes({"password": "same"}, {"password": "same"}, "") == []


def test_absent_is_not_null():
    assert ValueChange("x", None, 1).render() == "~ x: null -> 1"
    assert ValueChange("x", ABSENT, 1).render() == "+ x: 1"


def test_arm_tags_show_each_changed_tag_not_two_dicts():
    group = PlannedResource(
        "urn:x",
        "azure-native:resources:ResourceGroup",
        "rg",
        None,
        True,
        {"location": "westeurope", "tags": {"owner": "batch-team", "env": "dev"}},
    )
    result = compare(group, {"location": "westeurope", "tags": {"owner": "platform-team", "env": "dev"}})
    assert (result.action, result.detail) == ("update", "tags.owner platform-team -> batch-team")
    assert [c.to_dict() for c in result.changes] == [
        {"path": "tags.owner", "old": "platform-team", "new": "batch-team"}
    ]
