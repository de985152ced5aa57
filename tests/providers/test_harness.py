"""The gRPC harness itself, on a throwaway file-backed provider: every engine call round-trips."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from tests.engine.values import UNKNOWN, Secret
from tests.providers.harness import ProviderCallError, ProviderHarness


class NoteProvider(ResourceProvider):
    """A note is a file: `path` names it (replace), `text` is its content (update in place)."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = [] if news.get("text") else [CheckFailure("text", "text is empty; fix: write something")]
        return CheckResult({**news, "checkedBy": "NoteProvider"}, failures)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = ["path"] if olds["path"] != news["path"] else []
        return DiffResult(
            changes=olds["text"] != news["text"] or bool(replaces),
            replaces=replaces,
            delete_before_replace=True,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        Path(props["path"]).write_text(props["text"])
        return CreateResult(props["path"], {"path": props["path"], "text": props["text"], "version": 1})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        path = Path(id_)
        if not path.exists():
            return ReadResult(None, {})
        return ReadResult(id_, {**props, "path": id_, "text": path.read_text()})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        if news["text"] == "boom":
            raise ValueError(f"note {id_}: refusing to write 'boom'; fix: choose other text")
        Path(id_).write_text(news["text"])
        return UpdateResult({"path": id_, "text": news["text"], "version": int(olds["version"]) + 1})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        Path(id_).unlink()


@pytest.fixture(scope="module")
def notes():
    with ProviderHarness(NoteProvider(), urn_type="pulumi-python:dynamic/note:Note", name="n") as harness:
        yield harness


def test_full_lifecycle(notes, tmp_path):
    path = str(tmp_path / "a.txt")
    inputs, failures = notes.check({}, {"path": path, "text": "hello"})
    assert failures == [] and inputs == {"path": path, "text": "hello", "checkedBy": "NoteProvider"}
    id_, outs = notes.create(inputs)
    assert id_ == path and outs["version"] == 1 and Path(path).read_text() == "hello"

    assert notes.diff(id_, outs, inputs).changes is False
    changed = notes.diff(id_, outs, {**inputs, "text": "bye"})
    assert changed.changes is True and changed.replaces == []
    moved = notes.diff(id_, outs, {**inputs, "path": path + ".2"})
    assert moved.replaces == ["path"] and moved.delete_before_replace

    outs = notes.update(id_, outs, {**inputs, "text": "bye"})
    assert outs["version"] == 2 and Path(path).read_text() == "bye"
    Path(path).write_text("edited out of band")
    read_id, refreshed, _ = notes.read(id_, outs)
    assert read_id == id_ and refreshed["text"] == "edited out of band"
    notes.delete(id_, refreshed)
    assert not Path(path).exists()
    gone_id, _, _ = notes.read(id_, refreshed)
    assert gone_id == ""


def test_check_failures_and_provider_errors_reach_the_caller(notes, tmp_path):
    _, failures = notes.check({}, {"path": str(tmp_path / "b"), "text": ""})
    assert [(f.property, f.reason) for f in failures] == [("text", "text is empty; fix: write something")]
    id_, outs = notes.create({"path": str(tmp_path / "b"), "text": "x"})
    with pytest.raises(ProviderCallError, match="refusing to write 'boom'") as err:
        notes.update(id_, outs, {"path": id_, "text": "boom"})
    assert err.value.method == "Update"


def test_the_server_deserializes_the_stored_bytes(notes):
    import base64

    import dill

    assert isinstance(dill.loads(base64.b64decode(notes.serialized)), NoteProvider)


def test_steps_make_the_engines_calls_and_keep_its_checkpoint(notes, tmp_path):
    path = str(tmp_path / "s.txt")
    created = notes.up({"path": path, "text": Secret("hello")})
    assert created.op == "create" and created.calls == ["Check", "Create"]
    assert Path(path).read_text() == "hello"  # the provider got the plain value (secrets stripped)
    assert created.state.outputs["text"] == Secret("hello")  # and the output is secret again
    same = notes.up({"path": path, "text": Secret("hello")}, created.state)
    assert same.op == "same" and same.calls == ["Check", "Diff"] and same.state.outputs["version"] == 1
    updated = notes.up({"path": path, "text": "bye"}, same.state)
    assert updated.op == "update" and updated.state.outputs["version"] == 2
    moved = notes.up({"path": path + ".2", "text": "bye"}, updated.state)  # the provider asks to delete first
    assert moved.op == "replace" and moved.calls == ["Check", "Diff", "Check", "Delete", "Create"]
    assert not Path(path).exists() and Path(path + ".2").read_text() == "bye"
    forced = notes.up({"path": path + ".2", "text": "bye"}, moved.state, replace=True)
    # `up --replace` never asks the provider; without the option it creates first, then deletes "the old".
    assert forced.calls == ["Check", "Check", "Create", "Delete"] and not Path(path + ".2").exists()
    assert notes.preview({"path": path, "text": UNKNOWN}).checked["text"] is UNKNOWN


def test_check_refuses_olds_that_are_not_recorded_inputs(notes, tmp_path):
    state = notes.up({"path": str(tmp_path / "o.txt"), "text": "x"}).state
    with pytest.raises(AssertionError, match="recorded inputs"):
        notes.check(state.outputs, {"path": state.id, "text": "y"})  # outputs, not inputs
    assert notes.refresh(state).outputs["text"] == "x"
    notes.destroy(state)
    assert notes.refresh(state) is None
