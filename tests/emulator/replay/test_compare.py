"""The replay's comparison and manifest checks fail where they must (no emulator needed)."""

from __future__ import annotations

import json

import pytest

from tests.emulator.replay.compare import differences, to_subscription
from tests.emulator.replay.manifest import ManifestError, load


def test_a_missing_property_a_wrong_type_and_a_wrong_value_are_each_reported():
    expected = {"a": 1, "b": "x", "c": {"d": True}}
    assert differences(expected, {"b": 2, "c": {"d": False}}) == [
        "a: missing (expected number 1)",
        "b: expected string 'x', got number 2",
        "c.d: expected True, got False",
    ]


def test_instance_specific_values_compare_by_type_only():
    guid = "00000000-0000-0000-0000-000000000000"
    expected = {"etag": "W/1", "creationTime": "2017-01-01T00:00:00Z", "principalId": guid}
    actual = {"etag": "W/2", "creationTime": "2026-12-05T00:00:00Z", "principalId": guid.replace("0", "1")}
    assert differences(expected, actual) == []
    assert differences({"n": 3}, {"n": 4}, frozenset({"n"})) == []
    assert differences({"x": {"y": 1, "z": 2}}, {"x": {"y": 5, "z": 6}}, frozenset({"x.*"})) == []
    assert differences({"etag": "W/1"}, {"etag": 5}) == ["etag: expected string 'W/1', got number 5"]


def test_named_items_match_by_name_and_a_missing_one_is_reported():
    expected = {"value": [{"name": "a", "v": 1}, {"name": "b", "v": 2}]}
    assert differences(expected, {"value": [{"name": "b", "v": 2}, {"name": "a", "v": 1}]}) == []
    assert differences(expected, {"value": [{"name": "a", "v": 1}]}) == [
        "value: expected 2 items, got 1",
        "value: no item named 'b'",
    ]


def test_a_catalog_list_checks_the_shape_of_items_it_does_not_serve():
    expected = {"value": [{"name": "old", "capabilities": ["x"], "eol": "2019-01-01T00:00:00Z"}]}
    served = {"value": [{"name": "new", "capabilities": ["y", "z"]}]}
    assert differences(expected, served, frozenset({"value"})) == [
        "value[0].eol: missing (expected string '2019-01-01T00:00:00Z')"
    ]


def test_a_superset_list_allows_more_items_but_needs_every_example_item():
    expected = {"caps": [{"name": "vCPUs", "value": "2"}, {"name": "ACUs", "value": "160"}]}
    served = [{"name": "vCPUs", "value": "2"}, {"name": "ACUs", "value": "160"}, {"name": "RdmaEnabled"}]
    assert differences(expected, {"caps": served}, superset_paths=frozenset({"caps"})) == []
    assert differences(expected, {"caps": served[:1]}, superset_paths=frozenset({"caps"})) == [
        "caps: no item named 'acus'"
    ]
    assert differences(expected, {"caps": served}) == ["caps: expected 2 items, got 3"]


def test_arm_ids_move_into_the_emulators_subscription():
    assert to_subscription({"id": "/subscriptions/subid/resourceGroups/rg"}, "S") == {
        "id": "/subscriptions/S/resourceGroups/rg"
    }


def test_a_manifest_row_with_an_unknown_key_names_the_row_and_the_keys(tmp_path):
    row = {"example": "batch-mgmt/PoolGet.json", "provider": "p", "apiVersion": "v", "operation": "Pool_Get"}
    row |= {"request": "GET /x", "source": {"repo": "r", "path": "p", "commit": "c"}, "bogus": 1}
    rows = [row]
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(rows))
    with pytest.raises(ManifestError, match=r"row 0 \(batch-mgmt/PoolGet.json\).*unknown \['bogus'\]"):
        load(path)


def test_the_manifest_loads_and_every_example_names_its_source():
    rows = load()
    assert rows and all(row.source["repo"] == "Azure/azure-rest-api-specs" for row in rows)
