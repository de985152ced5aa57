"""Prints the replay's per-provider pass counts at the end of a run that replayed any example."""

from __future__ import annotations

from typing import Any

from tests.emulator.replay import results


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = results.summary()
    if lines and lines[0]:
        terminalreporter.section("Microsoft REST examples replayed")
        for line in lines:
            terminalreporter.write_line(line)
