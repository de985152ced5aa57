"""The `batch-infra autoscale` contract: exit codes, first stderr line, --json shape, eval and simulate."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from batch_infra.cli.main import main
from tests.unit.autoscale.reference import invalid_cases, reference_dir

CORPUS = reference_dir() / "corpus"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["autoscale", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_check_valid_file_exits_0_with_warnings_on_stderr(capsys) -> None:
    code, out, err = run(capsys, "check", str(CORPUS / "F053.txt"))
    assert code == 0 and out == ""
    assert err.startswith("warning: line 2, col 31: the formula relies on GetSample(1) alone")


def test_check_invalid_file_exits_1_with_position_first(capsys, tmp_path: Path) -> None:
    formula = tmp_path / "x02.txt"
    formula.write_text(invalid_cases()["X02"])
    code, _, err = run(capsys, "check", str(formula))
    assert code == 1
    assert err.splitlines()[0] == "line 1, col 42: ')' or ',' expected in the argument list, found ';'"


def test_check_json_shape(capsys) -> None:
    code, out, _ = run(capsys, "check", "--json", str(CORPUS / "F034.txt"))
    document = json.loads(out)
    assert code == 1 and set(document) == {"valid", "errors", "warnings"} and document["valid"] is False
    assert set(document["errors"][0]) == {"line", "column", "code", "message"}
    assert (document["errors"][0]["line"], document["errors"][0]["column"]) == (3, 34)


def test_check_reads_stdin_through_the_console_script() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "batch_infra", "autoscale", "check", "-"],
        input="$TargetDedicatedNodes = 3 +;",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.splitlines()[0].startswith("line 1, col 28: an operand expected after '+'")


def test_eval_prints_the_result_string(capsys, tmp_path: Path) -> None:
    metrics = tmp_path / "metrics.csv"
    rows = [f"2024-01-01T00:{m:02d}:{s:02d}Z,6" for m in range(20) for s in (0, 30)]
    metrics.write_text("timestamp,ActiveTasks\n" + "\n".join(rows) + "\n")
    code, out, _ = run(
        capsys, "eval", str(CORPUS / "F001.txt"), "--at", "2024-01-01T00:20:00Z", "--metrics", str(metrics)
    )
    assert code == 0
    assert out == (
        "$TargetDedicatedNodes=6;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;"
        "$averageActiveTaskCount=6\n"
    )


def test_eval_reports_insufficient_sample_data(capsys) -> None:
    code, _, err = run(capsys, "eval", str(CORPUS / "F041.txt"), "--at", "2024-01-01T00:20:00Z")
    assert code == 1 and err.startswith("InsufficientSampleData: ")


@pytest.mark.parametrize("workload", ["constant", "ramp", "burst", "diurnal"])
def test_simulate_writes_timeline_plot_and_summary(capsys, tmp_path: Path, workload: str) -> None:
    code, out, _ = run(
        capsys,
        "simulate",
        str(CORPUS / "F023.txt"),
        "--workload",
        workload,
        "--days",
        "0.5",
        "--interval",
        "5",
        "--out",
        str(tmp_path),
    )
    assert code == 0 and "145 evaluations (0 failed)" in out
    with (tmp_path / "timeline.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 145 and rows[0]["time"] == "2024-01-01T00:00:00.000Z"
    assert max(int(r["target_dedicated"]) for r in rows) <= 20  # F023 caps itself at 20
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["evaluations"] == 145 and summary["peak_nodes"] <= 20
    assert (tmp_path / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_simulate_needs_one_source(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, "simulate", str(CORPUS / "F023.txt"), "--days", "1", "--out", str(tmp_path))
    assert code == 2 and "exactly one of --workload NAME or --metrics FILE" in err
