"""A toy Pulumi project (a dynamic provider logging every call to a JSON file) driven by the test engine."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.engine.operations import Stack

TOY = Path(__file__).parent / "toy"


class Toy:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.stack = Stack(root, "dev", state_dir=root / "state")

    def set_items(self, items: list[dict[str, Any]], **extra: Any) -> None:
        path = self.root / "Pulumi.dev.yaml"
        data = yaml.safe_load(path.read_text()) or {}
        data.setdefault("config", {})["toy:items"] = items
        data["config"].update(extra)
        path.write_text(yaml.safe_dump(data, sort_keys=False))

    def store(self) -> dict[str, Any]:
        path = self.root / "toy-store.json"
        return json.loads(path.read_text()) if path.exists() else {"items": {}, "calls": []}

    def calls(self, since: int = 0) -> list[dict[str, Any]]:
        return self.store()["calls"][since:]

    def state(self) -> dict[str, Any]:
        return {s.urn.rsplit("::", 1)[-1]: s for s in self.stack.state()}


@pytest.fixture
def toy(tmp_path: Path) -> Toy:
    root = tmp_path / "toy"
    shutil.copytree(TOY, root, ignore=shutil.ignore_patterns("__pycache__", "toy-store.json", "state"))
    venv = Path(sys.prefix)  # this worktree's .venv, as `virtualenv:` in a user's Pulumi.yaml
    (root / "Pulumi.yaml").write_text((root / "Pulumi.yaml").read_text().replace("VENV", str(venv)))
    return Toy(root)
