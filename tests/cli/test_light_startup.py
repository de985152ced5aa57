"""`batch-infra --help` and the autoscale commands stay light: no pulumi, pydantic or Azure SDK imported."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pulumi", "pydantic", "azure.core", "azure.mgmt.batch", "matplotlib", "grpc")
PROBE = """
import contextlib, io, json, sys
from batch_infra.cli.main import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    main(sys.argv[1:])
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)))
"""


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["preflight", "--help"], ["autoscale", "--help"], ["autoscale", "check", "-"]],
    ids=["help", "preflight help", "autoscale help", "autoscale check"],
)
def test_no_heavy_import(argv, tmp_path):
    """newcomer audit, issue 15 item 12: `--help` imported pulumi (0.5 s, 60 MiB)."""
    probe = PROBE.format(heavy=repr(HEAVY))
    formula = "$TargetDedicatedNodes = 1;"
    done = subprocess.run([sys.executable, "-c", probe, *argv], input=formula, capture_output=True, text=True)
    assert json.loads(done.stdout.splitlines()[-1]) == [], done.stderr
