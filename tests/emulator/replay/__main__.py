"""`python -m tests.emulator.replay [EXAMPLE...]`: replay the examples against a fresh emulator and print
`N/M examples pass` per provider and every difference (exit status 1 on a regression)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.emulator.replay.client import EmulatorHttp
from tests.emulator.replay.manifest import load
from tests.emulator.replay.replay import replay
from tests.emulator.replay.results import summary
from tests.fixtures.emulator import EmulatorProcess


def main(argv: list[str]) -> int:
    rows = [row for row in load() if not argv or any(name in row.example for name in argv)]
    with tempfile.TemporaryDirectory() as workdir:
        emulator = EmulatorProcess(Path(workdir), seed=1234).start()
        try:
            outcomes = []
            for row in rows:
                emulator.reset()
                outcomes.append(replay(EmulatorHttp(emulator.info), row))
                for problem in outcomes[-1].problems:
                    print(f"{row.example}: {problem}")
                for path in outcomes[-1].skipped:
                    print(f"{row.example}: skipped {path} (not in the {row.api_version} schema)")
        finally:
            emulator.stop()
    print("\n".join(summary(outcomes)))
    return 1 if any(not r.passed and not r.row.exception for r in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
