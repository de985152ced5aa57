"""The bad-input corpus (bad_inputs.yaml): each invalid stack is refused at its exact key path, with a fix."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from batch_infra.config import load_stack_file
from batch_infra.errors import ConfigError

CORPUS = yaml.safe_load((Path(__file__).parent / "bad_inputs.yaml").read_text())
STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def steps(path: str) -> list[str | int]:
    """'pools[1].scale.formula' -> ['pools', 1, 'scale', 'formula']; dots inside keys are not supported."""
    return [name if name else int(index) for name, index in STEP.findall(path)]


def edit(document: dict[str, Any], path: str, value: Any = None, *, delete: bool = False) -> None:
    *parents, last = steps(path)
    node: Any = document
    for step in parents:
        node = node[step]
    if delete:
        del node[last]
    elif isinstance(node, list) and last == len(node):
        node.append(value)
    else:
        node[last] = value


def write_stack(project: Path, values: dict[str, Any]) -> Path:
    package = project / "packages" / "tool" / "1.0"
    package.mkdir(parents=True, exist_ok=True)
    (package / "run.sh").write_text("echo tool\n")
    stack = project / "stacks" / "Pulumi.test.yaml"
    stack.parent.mkdir(exist_ok=True)
    stack.write_text(yaml.safe_dump({"config": {f"batch-infra:{k}": v for k, v in values.items()}}))
    return stack


def problems_for(tmp_path: Path, case: dict[str, Any]) -> list[str]:
    values = copy.deepcopy(CORPUS["base"])
    for path, value in (case.get("set") or {}).items():
        edit(values, path, value)
    for path in case.get("delete") or []:
        edit(values, path, delete=True)
    with pytest.raises(ConfigError) as raised:
        load_stack_file(write_stack(tmp_path, values))
    return raised.value.problems


def test_the_base_stack_is_valid(tmp_path):
    loaded = load_stack_file(write_stack(tmp_path, CORPUS["base"]))
    assert [p.id for p in loaded.config.pools] == ["fixed", "auto"]


def test_the_corpus_covers_at_least_25_rules():
    rules = [case["rule"] for case in CORPUS["cases"]]
    assert len(rules) >= 25 and len(set(rules)) == len(rules)


@pytest.mark.parametrize("case", CORPUS["cases"], ids=[c["rule"] for c in CORPUS["cases"]])
def test_each_invalid_stack_names_the_key_and_the_fix(tmp_path, case):
    problems = problems_for(tmp_path, case)
    prefix = f"batch-infra:{case['path']}: "
    matching = [p for p in problems if prefix in p]
    assert matching, f"no problem at {case['path']}; got {problems}"
    assert any(
        p.startswith(str(Path("stacks") / "Pulumi.test.yaml")) or "Pulumi.test.yaml: " in p for p in matching
    )
    assert any(case["fix"] in p for p in matching), f"fix {case['fix']!r} missing from {matching}"
    # Every problem, not just the one this case is about, says how to resolve it.
    assert all("; fix: " in p for p in problems), problems


def test_one_error_lists_model_cross_section_and_file_problems_together(tmp_path):
    values = copy.deepcopy(CORPUS["base"])
    edit(values, "pools[0].id", "bad id!")
    edit(values, "pools[0].vmSize", "D2s_v5")
    edit(values, "applications[0].packages", {"1.0": "packages/missing"})
    with pytest.raises(ConfigError) as raised:
        load_stack_file(write_stack(tmp_path, values))
    paths = [p.split(": ")[1] for p in raised.value.problems]
    assert "batch-infra:pools[0].id" in paths
    assert "batch-infra:pools[0].vmSize" in paths
    assert "batch-infra:applications[0].packages.1.0" in paths
