"""Loads the shared autoscale reference (SPEC corpus, INVALID.md cases); fails loudly when it is missing."""

from __future__ import annotations

import ast
import csv
import re
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
REFERENCE = REPO_ROOT.parent / "shared" / "reference" / "autoscale"


def reference_dir() -> Path:
    if not (REFERENCE / "INVALID.md").is_file():
        raise FileNotFoundError(
            f"autoscale reference not found at {REFERENCE}: "
            "CI and local runs need ../shared/reference/autoscale "
            "beside the repository clone (SPEC.md, INVALID.md, corpus/)"
        )
    return REFERENCE


@dataclass(frozen=True)
class CorpusEntry:
    id: str
    expected: str  # valid | invalid | uncertain
    text: str


def corpus() -> list[CorpusEntry]:
    root = reference_dir() / "corpus"
    with (root / "index.tsv").open(newline="") as index:
        rows = list(csv.DictReader(index, delimiter="\t"))
    return [
        CorpusEntry(row["id"], row["expected"].split(":")[0].strip(), _read_exact(root / f"{row['id']}.txt"))
        for row in rows
    ]


def _read_exact(path: Path) -> str:
    with path.open(newline="") as handle:  # keep CRLF (F050, F052) byte-for-byte
        return handle.read()


def invalid_cases() -> dict[str, str]:
    """Every case of INVALID.md (X, V and U) as the exact formula text."""
    text = (reference_dir() / "INVALID.md").read_text()
    cases: dict[str, str] = {}
    for chunk in text.split("\n### ")[1:]:
        fenced = re.search(r"\n```\n(.*?)\n```", chunk, re.S)
        if fenced:
            cases[chunk[:3]] = fenced[1]
    cases["V17"] = ast.literal_eval(cases["V17"])
    for match in re.finditer(r"^\| (U\d\d) \| `(.*?)` \|", text, re.M):
        cases[match[1]] = match[2].replace(" ⏎ ", "\n")
    cases["X46"] = "$TargetDedicatedNodes = 1;" + "// " + "x" * 8200
    cases["X47"] = ";".join(f"$v{i} = {i}" for i in range(100)) + ";$TargetDedicatedNodes = 1;"
    return cases
