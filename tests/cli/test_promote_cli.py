"""`batch-infra promote`: diff output, --json, --write, exit 1 listing every problem of an invalid result."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from batch_infra.cli.main import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "stacks", tmp_path / "stacks")
    shutil.copytree(REPO / "packages", tmp_path / "packages")
    return tmp_path


def test_prints_the_diff_without_writing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = (project / "stacks/Pulumi.prod.yaml").read_text()

    code = main(["promote", "--from", "staging", "--to", "prod", "--project-dir", str(project)])

    out = capsys.readouterr().out
    assert code == 0
    # old -> new on one line (newcomer D17), not a two-line -/+ diff of a one-word value
    assert '~ applications[renderer].defaultVersion: "2.3.0" -> "2.4.0"' in out
    assert "+$samples = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 10);" in out
    assert "2 changes" in out and "--write" in out
    assert (project / "stacks/Pulumi.prod.yaml").read_text() == original


def test_json_and_write(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["promote", "--from", "staging", "--to", "prod", "--project-dir", str(project)]
    code = main([*args, "--write", "--json"])

    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert result["written"] is True
    assert {c["path"] for c in result["changes"]} == {
        "applications[renderer].defaultVersion",
        "pools[render].scale.formula",
    }
    assert "defaultVersion: 2.4.0" in (project / "stacks/Pulumi.prod.yaml").read_text()

    again = main(args)
    assert again == 0
    assert "nothing to promote" in capsys.readouterr().out


def test_invalid_result_exits_1_with_problems(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Staging's render pool is autoscale; make dev's pool of the same id fixed-scale.
    dev = project / "stacks/Pulumi.dev.yaml"
    dev.write_text(dev.read_text().replace("id: dev-small", "id: render"))
    before = dev.read_text()

    code = main(["promote", "--from", "staging", "--to", "dev", "--project-dir", str(project), "--write"])

    err = capsys.readouterr().err
    assert code == 1
    assert "promotion refused" in err
    assert "Pulumi.dev.yaml: batch-infra:pools[0].scale" in err and "mixes fixed keys" in err
    assert dev.read_text() == before


def test_missing_option_is_usage_error(project: Path) -> None:
    assert main(["promote", "--from", "staging", "--project-dir", str(project)]) == 2


def test_refused_json_prints_an_error_document(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dev = project / "stacks/Pulumi.dev.yaml"
    dev.write_text(dev.read_text().replace("id: dev-small", "id: render"))

    code = main(["promote", "--from", "staging", "--to", "dev", "--project-dir", str(project), "--json"])

    document = json.loads(capsys.readouterr().out)
    assert code == 1 and document["written"] is False
    assert document["error"].startswith("promotion refused")
    assert any("mixes fixed keys" in p for p in document["problems"])


def _read_only(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Writes into `folder` fail as on a read-only mount (the tests run as root, so modes would not)."""
    write_text = Path.write_text

    def refuse(self: Path, *args: object, **kwargs: object) -> int:
        if self.parent.resolve() == folder.resolve():
            raise OSError(30, "Read-only file system", str(self))
        return write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", refuse)


def test_a_preview_needs_no_write_access_and_write_says_why_it_cannot(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """newcomer D5: promote wrote a scratch file beside the target even without --write (traceback)."""
    _read_only(monkeypatch, project / "stacks")
    args = ["promote", "--from", "staging", "--to", "dev", "--project-dir", str(project)]
    assert main(args) == 0
    assert "1 change; the result is valid" in capsys.readouterr().out
    assert main([*args, "--write"]) == 1
    err = capsys.readouterr().err
    assert "cannot write beside it (Read-only file system)" in err and "fix: make stacks/ writable" in err
    assert "Traceback" not in err


def test_a_preview_reports_invalid_package_paths_against_the_real_project(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(project / "packages" / "renderer" / "2.3.0")
    code = main(["promote", "--from", "staging", "--to", "dev", "--project-dir", str(project)])
    err = capsys.readouterr().err
    assert code == 1 and "packages/renderer/2.3.0" in err and "tmp/batch-infra-promote" not in err
