"""The test engine's step decisions against Pulumi's documented behaviour, through a real program + plugin."""

from __future__ import annotations

import json

import pytest

from tests.engine.values import Secret

pytestmark = pytest.mark.slow

A = {"name": "a", "size": 1}
B = {"name": "b", "size": 2, "dependsOn": ["a"]}


def test_preview_up_then_no_changes(toy) -> None:  # noqa: ANN001 - fixture
    toy.set_items([A, B, {"name": "c", "sizeFrom": "a"}])
    preview = toy.stack.preview()
    assert preview.ok, preview.render()
    assert preview.counts["create"] == 5  # stack, group, a, b, c
    # A preview never creates with the dynamic provider; Check sees an unknown where c takes a's output.
    assert [c["op"] for c in toy.calls()] == ["check"] * 3
    assert sorted(c["unknown"] for c in toy.calls()) == [False, False, True]  # b and c may check in any order
    assert preview.outputs["cwd"] == str(toy.root)  # no `main:`: the pwd is the project root

    up = toy.stack.up()
    assert up.ok, up.render()
    assert up.summary() == "5 created, 0 updated, 0 replaced, 0 deleted, 0 unchanged"
    items = toy.store()["items"]
    assert (items["a"], items["b"], items["c"]) == (1, 2, toy.state()["a"].outputs["serial"])
    again = toy.stack.preview(expect_no_changes=True)
    assert again.ok, again.render()
    assert again.counts["same"] == 5
    states = toy.state()
    assert states["b"].dependencies == [states["a"].urn]
    assert states["a"].provider.startswith("urn:pulumi:dev::toy::pulumi:providers:pulumi-python::default::")
    assert states["a"].urn == "urn:pulumi:dev::toy::toy:index:Group$pulumi-python:dynamic:Resource::a"


def test_update_checks_with_old_inputs_and_diffs_old_outputs(toy) -> None:  # noqa: ANN001
    toy.set_items([A])
    assert toy.stack.up().ok
    mark = len(toy.calls())
    toy.set_items([{"name": "a", "size": 5}])
    preview = toy.stack.preview()
    assert preview.step("a").op == "update" and preview.step("a").diffs == ["size"]
    # Check(olds = the old INPUTS: no `serial`, which only Create's outputs hold)
    assert toy.calls(mark)[0] == {"op": "check", "olds": ["__provider", "name", "size"], "unknown": False}
    assert all(c["op"] in ("check", "diff") for c in toy.calls(mark))  # no Update in a preview
    up = toy.stack.up()
    assert up.step("a").op == "update"
    assert toy.store()["items"] == {"a": 5}
    # Diff got the old outputs (serial comes only from Create's outputs), Update kept it.
    assert toy.state()["a"].outputs["serial"] == toy.state()["a"].outputs["serial"] != 0


def test_replace_creates_first_then_deletes_after_the_program(toy) -> None:  # noqa: ANN001
    toy.set_items([{"key": "item", "name": "one", "size": 1}])
    assert toy.stack.up().ok
    mark = len(toy.calls())
    toy.set_items([{"key": "item", "name": "two", "size": 1}])
    up = toy.stack.up()
    assert up.step("item").op == "replace" and up.step("item").replaces == ["name"]
    ops = [(c["op"], c.get("id"), c.get("olds")) for c in toy.calls(mark)]
    # Check(olds), Diff, re-Check WITHOUT olds (step_generator.go ~2007), Create, then Delete of the old.
    assert ops == [
        ("check", None, ["__provider", "name", "size"]),
        ("diff", "one", None),
        ("check", None, []),
        ("create", "two", None),
        ("delete", "one", None),
    ]
    assert toy.store()["items"] == {"two": 1}
    assert [s for s in toy.stack.state() if s.pending_delete] == []


def test_delete_before_replace_option_deletes_first(toy) -> None:  # noqa: ANN001
    toy.set_items([{"key": "item", "name": "one", "deleteBeforeReplace": True}])
    assert toy.stack.up().ok
    mark = len(toy.calls())
    toy.set_items([{"key": "item", "name": "two", "deleteBeforeReplace": True}])
    up = toy.stack.up()
    assert up.step("item").delete_before_replace
    assert [(c["op"], c.get("id")) for c in toy.calls(mark) if c["op"] in ("create", "delete")] == [
        ("delete", "one"),
        ("create", "two"),
    ]


def test_targeted_replace_never_calls_diff_and_creates_first(toy) -> None:  # noqa: ANN001
    toy.set_items([A])
    assert toy.stack.up().ok
    urn = toy.state()["a"].urn
    mark = len(toy.calls())
    up = toy.stack.up(replace=[urn])
    assert up.step("a").op == "replace" and up.step("a").replaces == ["id"]
    ops = [(c["op"], c.get("id"), c.get("olds")) for c in toy.calls(mark)]
    # No Diff; Check without olds; create-then-delete of the same id: the hazard of issue 11 #4.
    assert ops == [("check", None, []), ("create", "a", None), ("delete", "a", None)]
    assert toy.store()["items"] == {}  # the toy, like a fixed-name Azure object, lost its only copy
    assert "a" in toy.state()


def test_vanished_resources_are_deleted_dependents_first(toy) -> None:  # noqa: ANN001
    toy.set_items([A, B, {"name": "c", "dependsOn": ["b"]}])
    assert toy.stack.up().ok
    mark = len(toy.calls())
    toy.set_items([])
    preview = toy.stack.preview()
    assert [s.name for s in preview.steps if s.op == "delete"] == ["c", "b", "a"]
    assert toy.calls(mark) == []
    up = toy.stack.up()
    assert [c["id"] for c in toy.calls(mark) if c["op"] == "delete"] == ["c", "b", "a"]
    assert up.summary() == "0 created, 0 updated, 0 replaced, 3 deleted, 2 unchanged"
    assert set(toy.state()) == {"toy-dev", "group", "default"}


def test_an_alias_keeps_the_resource(toy) -> None:  # noqa: ANN001
    toy.set_items([{"key": "old", "name": "x"}])
    assert toy.stack.up().ok
    toy.set_items([{"key": "new", "name": "x", "aliases": ["old"]}])
    preview = toy.stack.preview()
    assert preview.ok and preview.counts["delete"] == 0 and preview.step("new").op == "same", preview.render()
    assert toy.stack.up().ok
    assert "new" in toy.state() and "old" not in toy.state()
    toy.set_items([{"key": "renamed", "name": "x"}])  # no alias: a create and a delete
    assert {s.op for s in toy.stack.preview().steps if s.name in ("new", "renamed")} == {"create", "delete"}


def test_protect_refuses_and_retain_drops_without_delete(toy) -> None:  # noqa: ANN001
    toy.set_items([{"name": "p", "protect": True}, {"name": "r", "retain": True}])
    assert toy.stack.up().ok
    mark = len(toy.calls())
    toy.set_items([{"name": "r", "retain": True}])
    refused = toy.stack.preview()
    assert not refused.ok and "marked for protection" in refused.error
    toy.set_items([{"name": "p", "protect": True}])
    up = toy.stack.up()
    assert up.ok and up.step("r").op == "delete"
    assert [c for c in toy.calls(mark) if c["op"] == "delete"] == []
    assert "r" not in toy.state() and toy.store()["items"] == {"p": 0, "r": 0}
    assert not toy.stack.destroy().ok  # p is protected


def test_secrets_are_stripped_for_the_provider_and_sealed_in_state(toy) -> None:  # noqa: ANN001
    toy.set_items([])
    toy.stack.config_set("token", "hunter2-plaintext", secret=True)
    assert "hunter2" not in (toy.root / "Pulumi.dev.yaml").read_text()
    up = toy.stack.up()
    assert up.ok, up.render()
    holder = toy.state()["secret-holder"]
    assert holder.inputs["token"] == Secret("hunter2-plaintext")
    assert holder.outputs["token"] == Secret("hunter2-plaintext")  # annotateSecrets on Create's outputs
    assert "hunter2" not in toy.stack.checkpoint.path.read_text()
    assert toy.stack.preview(expect_no_changes=True).ok


def test_refresh_reads_inputs_and_outputs_and_drops_vanished(toy) -> None:  # noqa: ANN001
    toy.set_items([A, {"name": "b", "size": 2}])
    assert toy.stack.up().ok
    store = toy.store()
    store["items"]["a"] = 9
    del store["items"]["b"]
    (toy.root / "toy-store.json").write_text(json.dumps(store))
    mark = len(toy.calls())
    refresh = toy.stack.refresh()
    assert refresh.ok, refresh.render()
    assert refresh.step("a").op == "update" and refresh.step("a").diffs == ["size"]
    assert refresh.step("b").op == "delete"
    assert all("__provider" in c["keys"] for c in toy.calls(mark))
    after = toy.stack.preview()
    assert after.step("a").op == "update" and after.step("b").op == "create"


def test_import_of_a_dynamic_resource_fails_as_in_pulumi(toy) -> None:  # noqa: ANN001
    toy.set_items([])
    assert toy.stack.up().ok
    result = toy.stack.import_resource("pulumi-python:dynamic:Resource", "adopted", "a")
    assert not result.ok
    assert "__provider" in result.error  # Read gets no inputs and no state (step.go ~2037)


def test_ignore_changes_keeps_the_old_value(toy) -> None:  # noqa: ANN001
    toy.set_items([{"name": "a", "size": 1, "ignore": ["size"]}])
    assert toy.stack.up().ok
    toy.set_items([{"name": "a", "size": 7, "ignore": ["size"]}])
    assert toy.stack.preview(expect_no_changes=True).ok


def test_a_failed_step_ends_the_program_without_a_traceback(toy) -> None:  # noqa: ANN001
    """source_eval.go answers the program's waiting RegisterResource with Unavailable ("resource monitor
    shut down while waiting on step's done channel") once a step fails; the SDK turns that into a quiet
    RunError. The user sees the step's error, never a Python traceback from the program (issue 16 item 8)."""
    toy.set_items([{"name": "a", "size": -1}])
    for result in (toy.stack.preview(), toy.stack.up()):
        text = result.render()
        assert not result.ok and "size must be >= 0" in result.error, text
        assert "Traceback" not in text and "unhandled exception" not in text, text
