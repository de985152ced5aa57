"""Key sinks without Azure: progress as Key Vault tags, and the 0600 key file in JSON and env formats."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from batch_infra.errors import BatchInfraError
from batch_infra.ops.key_sinks import FileSink, PublishedKey, RotationState

STATE = RotationState(
    phase="published",
    rotation_id="abc123",
    from_key="primary",
    to_key="secondary",
    published_at=1700000000.5,
    storage_phase="requested",
)
KEY = PublishedKey("contosoprodbatch", "secondary", "c2VjcmV0LWtleS12YWx1ZQ==")


def test_state_round_trips_through_key_vault_tags() -> None:
    tags = STATE.as_tags()
    assert tags["rotation-phase"] == "published" and tags["rotation-published-at"] == "1700000000.5"
    assert len(tags) <= 15 - 2  # Key Vault allows 15 tags; the sink adds batch-account and key-name
    assert RotationState.from_tags(tags) == STATE
    assert RotationState.from_tags(None) == RotationState()


def test_the_key_value_never_shows_in_a_repr() -> None:
    assert KEY.value not in repr(KEY)


@pytest.mark.parametrize("fmt", ["json", "env"])
def test_file_sink_round_trip_is_private_and_atomic(tmp_path: Path, fmt: str) -> None:
    sink = FileSink(tmp_path / "keys" / f"batch.{fmt}", fmt)
    assert sink.read() is None and sink.read_state() == RotationState()

    sink.publish(KEY, STATE)
    sink.write_state(RotationState(phase="completed", to_key="secondary"))

    assert sink.read() == KEY
    assert sink.read_state() == RotationState(phase="completed", to_key="secondary")
    assert stat.S_IMODE(sink.path.stat().st_mode) == 0o600
    assert [p.name for p in sink.path.parent.iterdir()] == [sink.path.name]


def test_env_file_is_what_env_file_readers_expect(tmp_path: Path) -> None:
    sink = FileSink(tmp_path / "batch.env", "env")
    sink.publish(KEY, STATE)

    lines = sink.path.read_text().splitlines()
    assert lines[:3] == [
        "BATCH_ACCOUNT_NAME=contosoprodbatch",
        "BATCH_ACCOUNT_KEY_NAME=secondary",
        f"BATCH_ACCOUNT_KEY={KEY.value}",
    ]
    assert lines[3].startswith("# batch-infra-rotation: {")


def test_a_foreign_file_is_an_actionable_error(tmp_path: Path) -> None:
    path = tmp_path / "batch.json"
    path.write_text("not json")
    with pytest.raises(BatchInfraError, match="is not a batch-infra json key file") as refused:
        FileSink(path).read()
    assert "--sink-path" in refused.value.render()
    with pytest.raises(BatchInfraError, match="unknown key file format"):
        FileSink(path, "yaml")


def test_recording_progress_needs_a_published_key(tmp_path: Path) -> None:
    with pytest.raises(BatchInfraError, match="lost its key"):
        FileSink(tmp_path / "batch.json").write_state(STATE)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[1, 2]", "expected an object"),
        ('{"key": 42}', "'key' must be a string"),
        ('{"key": "k", "keyName": "tertiary"}', "keyName must be one of"),
        ('{"key": "k", "rotation": {"phase": 3}}', "rotation.phase must be a string"),
        ('{"key": "k", "rotation": {"colour": "red"}}', "'rotation' must be an object with only"),
        ('{"key": "k", "rotation": []}', "'rotation' must be an object"),
    ],
)
def test_a_malformed_key_file_names_the_file_and_the_fix(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "key.json"
    path.write_text(text)
    sink = FileSink(path)
    for read in (sink.read, sink.read_state):
        with pytest.raises(BatchInfraError, match=problem) as bad:
            read()
        assert str(path) in bad.value.render() and "remove it" in bad.value.render()


def test_an_unwritable_key_file_is_an_error_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    sink = FileSink(blocker / "key.json")
    with pytest.raises(BatchInfraError, match="cannot write key file") as bad:
        sink.publish(PublishedKey("acct", "primary", "c2VjcmV0"), RotationState())
    assert "writable" in bad.value.render() and "c2VjcmV0" not in bad.value.render()
