"""Every corpus formula gets its expected verdict; every INVALID.md case is accepted or rejected as stated."""

from __future__ import annotations

import pytest

from batch_infra.autoscale import check
from tests.unit.autoscale.reference import corpus, invalid_cases

CASES = invalid_cases()
CORPUS = corpus()

# Offending token of each X case: (line, token text, occurrence on that line). The reported column must fall
# inside that token. X01-X09 also state exact columns in INVALID.md, checked below.
OFFENDING = {
    "X01": (2, "$TargetDedicatedNodes", 0),
    "X02": (1, ";", 0),
    "X03": (1, ";", 0),
    "X04": (1, ";", 0),
    "X05": (1, "%", 0),
    "X06": (1, "\\", 0),
    "X07": (1, "{", 0),
    "X08": (1, "/*", 0),
    "X09": (1, "median", 0),
    "X10": (1, "GetAverage", 0),
    "X11": (1, "Count", 0),
    "X12": (1, "$QueuedTasks", 0),
    "X13": (1, "$isWeekend", 0),
    "X14": (1, "$x", 0),
    "X15": (1, "$PendingTasks", 0),
    "X16": (1, "$CurrentDedicatedNodes", 0),
    "X17": (1, "TimeInterval_Minute", 0),
    "X18": (1, "$PendingTasks", 0),
    "X19": (1, "$PendingTasks", 0),
    "X20": (1, ">", 0),
    "X21": (1, "+", 0),
    "X22": (1, ">", 0),
    "X23": (1, "&&", 0),
    "X24": (1, "+", 0),
    "X25": (1, "/", 0),
    "X26": (1, "percentile", 0),
    "X27": (1, "val", 0),
    "X28": (1, "rand", 0),
    "X29": (1, "GetSample", 0),
    "X30": (1, '"10m"', 0),
    "X31": (2, "graceful", 0),
    "X32": (2, '"taskcompletion"', 0),
    "X33": (1, "dayofweek", 0),
    "X34": (1, "hour", 0),
    "X35": (1, "TimeZoneInterval_Hour", 0),
    "X36": (1, '"2023-04-14T10:20:30.123456789Z"', 0),
    "X37": (1, '"yesterday"', 0),
    "X38": (1, "+=", 0),
    "X39": (1, "if", 0),
    "X40": (1, "[", 0),
    "X41": (1, "=", 0),
    "X42": (1, ",)", 0),
    "X43": (1, "=", 1),
    "X44": (1, "and", 0),
    "X45": (1, "$TargetDedicatedNode", 0),
    "X46": (1, "x" * 8200, 0),
    "X47": (1, "$TargetDedicatedNodes", 0),
}
STATED_COLUMNS = {
    "X01": (2, 1),
    "X02": (1, 42),
    "X03": (1, 28),
    "X04": (1, 55),
    "X05": (1, 48),
    "X06": (1, 26),
    "X07": (1, 25),
    "X08": (1, 1),
    "X09": (1, 25),
}
# The undecided cases must pass with a warning carrying this stable code.
UNDECIDED_CODES = {
    "U01": "empty-statement",
    "U02": "expression-statement",
    "U03": "undocumented-operator",
    "U05": "case-mismatch",
    "U06": "secondary-function",
    "U07": "number-form",
    "U08": "empty-list",
    "U09": "legacy-name",
    "U10": "method-on-plain-variable",
    "U11": "deallocation-spelling",
    "U12": "deallocation-read",
    "U13": "undocumented-operator",
}


# Undecided in INVALID.md, decided here: a target taking a doubleVec branch would fail every evaluation
# that takes it (SPEC 9.3: a target must end up a double), so check() rejects it at that branch.
DECIDED_INVALID = {"U04": "$CPUPercent"}


def test_reference_has_every_case() -> None:
    assert sorted(k for k in CASES if k[0] == "X") == sorted(OFFENDING)
    assert len([k for k in CASES if k[0] == "V"]) == 20
    assert sorted(k for k in CASES if k[0] == "U") == sorted([*UNDECIDED_CODES, *DECIDED_INVALID])
    assert len(CORPUS) == 45


@pytest.mark.parametrize("entry", CORPUS, ids=lambda e: e.id)
def test_corpus_verdict(entry) -> None:
    result = check(entry.text)
    if entry.expected == "uncertain":  # F011: a 2015 name; accepted, but flagged
        assert result.valid and any(w.code == "legacy-name" for w in result.warnings)
    else:
        assert result.valid is (entry.expected == "valid"), [str(e) for e in result.errors]


@pytest.mark.parametrize("case_id", sorted(OFFENDING))
def test_invalid_case_rejected_inside_offending_token(case_id: str) -> None:
    text = CASES[case_id]
    result = check(text)
    assert not result.valid
    first = result.errors[0]
    line, token, occurrence = OFFENDING[case_id]
    source_line = text.splitlines()[line - 1]
    start = -1
    for _ in range(occurrence + 1):
        start = source_line.index(token, start + 1)
    assert first.line == line, str(first)
    assert start < first.column <= start + len(token), f"{first} not inside {token!r} at col {start + 1}"


@pytest.mark.parametrize("case_id", sorted(STATED_COLUMNS))
def test_invalid_case_at_stated_position(case_id: str) -> None:
    first = check(CASES[case_id]).errors[0]
    assert (first.line, first.column) == STATED_COLUMNS[case_id]


@pytest.mark.parametrize("case_id", sorted(k for k in CASES if k[0] == "V"))
def test_tricky_valid_case_accepted(case_id: str) -> None:
    result = check(CASES[case_id])
    assert result.valid, [str(e) for e in result.errors]


@pytest.mark.parametrize("case_id", sorted(UNDECIDED_CODES))
def test_undecided_case_warns_with_stable_code(case_id: str) -> None:
    result = check(CASES[case_id])
    assert result.valid, [str(e) for e in result.errors]
    assert UNDECIDED_CODES[case_id] in {w.code for w in result.warnings}


@pytest.mark.parametrize("case_id", sorted(DECIDED_INVALID))
def test_undecided_case_decided_invalid(case_id: str) -> None:
    text = CASES[case_id]
    first = check(text).errors[0]
    assert first.column == text.index(DECIDED_INVALID[case_id]) + 1 and "ternary branch" in first.message
