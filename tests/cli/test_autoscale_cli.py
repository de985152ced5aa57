"""The `batch-infra autoscale` contract: exit codes, first stderr line, --json shape, eval and simulate."""

from __future__ import annotations

import csv
import json
import re
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
    assert len(rows) == 1441 and rows[0]["time"] == "2024-01-01T00:00:00.000Z"  # a row every 30 s
    assert sum(r["evaluated"] == "True" for r in rows) == 145
    assert max(int(r["target_dedicated"]) for r in rows) <= 20  # F023 caps itself at 20
    summary = json.loads((tmp_path / "summary.json").read_text())
    # Peak counts every allocated node: nodes draining their tasks (taskcompletion) on their way out too.
    draining = max(int(r["leaving_nodes"]) for r in rows)
    assert summary["evaluations"] == 145 and summary["peakNodes"] <= 20 + draining
    assert (tmp_path / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_simulate_needs_one_source(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, "simulate", str(CORPUS / "F023.txt"), "--days", "1", "--out", str(tmp_path))
    assert code == 2 and "exactly one of --workload NAME or --metrics FILE" in err


def test_simulate_quotas_and_resolution(capsys, tmp_path: Path) -> None:
    formula = tmp_path / "f.txt"
    formula.write_text("$TargetDedicatedNodes = 50; $TargetLowPriorityNodes = 40;")
    code, out, _ = run(
        capsys,
        "simulate",
        str(formula),
        "--workload",
        "constant",
        "--days",
        "0.25",
        "--interval",
        "5",
        "--resolution",
        "300",
        "--quota-dedicated",
        "8",
        "--quota-spot",
        "3",
        "--out",
        str(tmp_path / "out"),
    )
    assert code == 0 and "73 evaluations (0 failed)" in out and "peak 11 nodes" in out
    with (tmp_path / "out" / "timeline.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 73 and {(r["target_dedicated"], r["target_low_priority"]) for r in rows} == {
        ("8", "3")
    }


def test_simulate_replay_outside_the_file_names_its_range(capsys, tmp_path: Path) -> None:
    metrics = tmp_path / "m.csv"
    metrics.write_text("timestamp,ActiveTasks\n2024-02-01T00:00:00Z,1\n2024-02-01T00:00:30Z,2\n")
    code, _, err = run(
        capsys,
        "simulate",
        str(CORPUS / "F023.txt"),
        "--metrics",
        str(metrics),
        "--start",
        "2024-06-01T00:00:00Z",
        "--out",
        str(tmp_path / "out"),
    )
    assert code == 1 and f"{metrics}: samples run from 2024-02-01T00:00:00+00:00" in err
    assert "Traceback" not in err


def test_metrics_with_duplicate_timestamps_are_refused(capsys, tmp_path: Path) -> None:
    metrics = tmp_path / "m.csv"
    metrics.write_text(
        "timestamp,ActiveTasks\n2024-02-01T00:00:00Z,1\n2024-02-01T00:00:30Z,2\n2024-02-01T00:00:00Z,3\n"
    )
    code, _, err = run(
        capsys, "eval", str(CORPUS / "F001.txt"), "--at", "2024-02-01T00:10:00Z", "--metrics", str(metrics)
    )
    assert code == 1 and f"{metrics}: row 3 repeats the timestamp 2024-02-01T00:00:00Z of row 1" in err


@pytest.mark.parametrize(
    "formula",
    [
        "$a = TimeInterval_Year * 1e9;",
        "$a = TimeInterval_Hour * (1e400 - 1e400);",
        "$a = TimeInterval_Hour * 1e400; $TargetDedicatedNodes = 1;",
        "$a = TimeInterval_Day * 1e9;",
        "\ufeff$TargetDedicatedNodes = 1;",
        "",
    ],
)
def test_no_input_gives_a_traceback(capsys, tmp_path: Path, formula: str) -> None:
    path = tmp_path / "f.txt"
    path.write_text(formula, encoding="utf-8")
    for command in (["check"], ["eval", "--at", "2024-01-01T00:00:00Z"]):
        code, _, err = run(capsys, *command, str(path))
        assert "Traceback" not in err and code in (0, 1), (command, err)


def test_an_internal_failure_is_one_line_and_exit_3(capsys, tmp_path: Path, monkeypatch) -> None:
    import batch_infra.autoscale as package

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(package, "check", broken)
    path = tmp_path / "f.txt"
    path.write_text("$TargetDedicatedNodes = 1;")
    code, _, err = run(capsys, "check", str(path))
    assert code == 3 and err.startswith(
        "error: internal error in `batch-infra autoscale check`: RuntimeError: boom"
    )
    assert "Traceback" not in err


def test_simulate_samples_every_service_metric_so_batch_shipyards_formula_runs(
    capsys, tmp_path: Path
) -> None:
    """newcomer D8: $PreemptedNodeCount was never sampled: F040 failed 96 of 97 evaluations and exited 0."""
    code, out, _ = run(
        capsys,
        "simulate",
        str(CORPUS / "F040.txt"),
        "--workload",
        "diurnal",
        "--days",
        "1",
        "--out",
        str(tmp_path),
    )
    assert code == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["evaluations"] == 97 and summary["failedEvaluations"] <= 1, summary
    assert summary["nodeHours"] > 0


def test_simulate_that_mostly_fails_names_the_reason_and_exits_1(capsys, tmp_path: Path) -> None:
    formula = tmp_path / "f.txt"
    formula.write_text("$TargetDedicatedNodes = max($CPUPercent.GetSample(1));")
    metrics = tmp_path / "m.csv"
    rows = [f"2024-01-01T{h:02d}:{m:02d}:{s:02d}Z,3" for h in range(24) for m in range(60) for s in (0, 30)]
    metrics.write_text("timestamp,ActiveTasks\n" + "\n".join(rows) + "\n")
    code, out, err = run(
        capsys,
        "simulate",
        str(formula),
        "--metrics",
        str(metrics),
        "--days",
        "1",
        "--out",
        str(tmp_path / "o"),
    )
    assert code == 1
    assert "failed: " in out and "GetSample" not in out.split("failed: ")[0]
    assert "evaluations failed, so the pool never followed the formula; most often:" in err
    assert "fix: " in err


def test_simulate_warns_when_the_metrics_file_covers_part_of_the_window(capsys, tmp_path: Path) -> None:
    formula = tmp_path / "f.txt"
    formula.write_text("$TargetDedicatedNodes = max($ActiveTasks.GetSample(1));")
    metrics = tmp_path / "m.csv"
    rows = [f"2024-01-01T00:{m:02d}:{s:02d}Z,3" for m in range(60) for s in (0, 30)]
    metrics.write_text("timestamp,ActiveTasks\n" + "\n".join(rows) + "\n")
    code, _, err = run(
        capsys,
        "simulate",
        str(formula),
        "--metrics",
        str(metrics),
        "--days",
        "1",
        "--out",
        str(tmp_path / "o"),
    )
    assert code == 0
    assert f"warning: {metrics} covers 4% of the 1 simulated day(s)" in err


def test_simulate_summary_prints_counts_as_whole_numbers(capsys, tmp_path: Path) -> None:
    """newcomer D20: `1.32101e+06 task-minutes waiting`."""
    code, out, _ = run(
        capsys,
        "simulate",
        str(CORPUS / "F002.txt"),
        "--workload",
        "diurnal",
        "--days",
        "1",
        "--out",
        str(tmp_path),
    )
    first = out.splitlines()[0]
    assert "e+" not in first and re.search(r" \d{1,3}(,\d{3})+ task-minutes waiting", first), first


def test_simulate_into_an_unwritable_out_names_it_with_the_fix(capsys, tmp_path: Path) -> None:
    """newcomer D5: `--out` on a read-only folder exited 3 "internal error"."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = run(
        capsys,
        "simulate",
        str(CORPUS / "F023.txt"),
        "--workload",
        "constant",
        "--days",
        "0.1",
        "--interval",
        "5",
        "--out",
        str(blocker / "sim"),
    )
    assert code == 1 and f"error: --out {blocker / 'sim'}: cannot write the results there" in err
    assert "fix: choose a folder you can write to" in err and "internal error" not in err


def test_simulate_leaves_out_a_big_timeline_json_and_says_how_to_get_it(
    capsys, tmp_path: Path, monkeypatch
) -> None:
    """newcomer D20: a 90-day run wrote a 77 MB timeline.json by default."""
    from batch_infra.autoscale import report

    monkeypatch.setattr(report, "MAX_JSON_ROWS", 1000)  # a 0.5-day run has 1,441 rows
    args = ["simulate", str(CORPUS / "F023.txt"), "--workload", "constant", "--days", "0.5"]
    (tmp_path / "timeline.json").write_text("{}")  # an earlier, smaller run's: not left to mislead
    code, out, err = run(capsys, *args, "--out", str(tmp_path))
    assert code == 0 and not (tmp_path / "timeline.json").exists()
    assert "wrote" in out and "timeline.json" not in out
    assert "note: no timeline.json: 1,441 rows is over 1,000 (timeline.csv has them all); " in err
    assert "pass --timeline-json to write it anyway" in err
    code, out, err = run(capsys, *args, "--out", str(tmp_path), "--timeline-json")
    assert code == 0 and f"wrote {tmp_path / 'timeline.json'}" in out and "note:" not in err
    timeline = json.loads((tmp_path / "timeline.json").read_text())["timeline"]
    assert len(timeline) == 1441
    # camelCase, as every JSON document (timeline.csv keeps its column names)
    assert "targetDedicated" in timeline[0] and "target_dedicated" not in timeline[0]


def test_simulate_shows_progress_only_when_asked_off_a_terminal(capsys, tmp_path: Path) -> None:
    args = ["simulate", str(CORPUS / "F023.txt"), "--workload", "constant", "--days", "0.5"]
    code, _, err = run(capsys, *args, "--out", str(tmp_path))
    assert code == 0 and "simulating" not in err  # stderr is not a terminal here
    code, _, err = run(capsys, *args, "--out", str(tmp_path), "--progress")
    lines = [line for line in err.splitlines() if line.startswith("simulating")]
    assert lines == [f"simulating F023.txt: {p}% of 0.5 day(s)" for p in range(0, 101, 10)], lines
