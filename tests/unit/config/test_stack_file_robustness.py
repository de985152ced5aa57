"""Stack files no stack file should be: each refused with one problem naming file (and line) and a fix.

Binary, UTF-16 and Latin-1 files, 5,000-deep nesting, an alias bomb, duplicate keys, syntax errors,
`true` for a node count, and package paths that are absolute, too long or lead out through a symlink.
"""

from __future__ import annotations

import copy
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml

from batch_infra.config import load_stack_file
from batch_infra.errors import ConfigError
from tests.unit.config.test_bad_inputs import CORPUS, write_stack

BASE = yaml.safe_dump({"config": {f"batch-infra:{k}": v for k, v in CORPUS["base"].items()}})


def refused(tmp_path: Path, content: bytes | str) -> str:
    write_stack(tmp_path, CORPUS["base"])  # the project's package folder
    stack = tmp_path / "stacks" / "Pulumi.test.yaml"
    stack.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(ConfigError) as raised:
        load_stack_file(stack)
    problems = raised.value.problems
    assert len(problems) == 1, problems
    assert "Pulumi.test.yaml: " in problems[0], problems
    assert "; fix: " in problems[0], problems
    return problems[0]


def test_a_binary_file_is_not_yaml(tmp_path):
    assert "binary file" in refused(tmp_path, b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_is_named_with_how_to_convert(tmp_path, encoding):
    problem = refused(tmp_path, BASE.encode(encoding))
    assert "UTF-16" in problem and "save it as UTF-8" in problem


def test_latin1_names_the_line_of_the_first_bad_byte(tmp_path):
    text = BASE.replace("westeurope", "westeurope # café")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "café" in row)
    problem = refused(tmp_path, text.encode("latin-1"))
    assert f"line {line}: byte 0xe9 is not UTF-8" in problem and "iconv" in problem


def test_5000_deep_nesting_is_refused_without_a_recursion_error(tmp_path):
    deep = "config:\n  batch-infra:pools: " + "[" * 5000 + "]" * 5000 + "\n"
    assert "nested more than 64 levels deep" in refused(tmp_path, deep)


def test_an_alias_bomb_is_refused_small_and_fast(tmp_path):
    bomb = ["config:", '  a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    bomb += [f"  a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    bomb += ["  batch-infra:pools: *a8"]
    tracemalloc.start()
    started = time.perf_counter()
    problem = refused(tmp_path, "\n".join(bomb) + "\n")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "expand to more than 100,000 values" in problem
    assert len(problem) < 500 and peak < 50_000_000 and time.perf_counter() - started < 5


def test_a_rejected_huge_value_is_echoed_bounded(tmp_path):
    values = copy.deepcopy(CORPUS["base"])
    values["pools"][0]["vmSize"] = ["Standard_D2s_v5"] * 2_000  # a list where text belongs
    with pytest.raises(ConfigError) as raised:
        load_stack_file(write_stack(tmp_path, values))
    assert max(len(p) for p in raised.value.problems) < 600


def test_a_duplicate_key_names_both_lines(tmp_path):
    text = BASE.replace("  batch-infra:location: westeurope\n", "  batch-infra:location: westeurope\n" * 2)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "batch-infra:location" in row)
    problem = refused(tmp_path, text)
    assert f"line {line + 1}: key 'batch-infra:location' is already set on line {line}" in problem
    assert "remove one of the two" in problem


def test_a_duplicate_key_in_a_flow_mapping_is_refused(tmp_path):
    assert "is already set" in refused(tmp_path, "config: {a: 1, a: 2}\n")


def test_a_syntax_error_gives_line_column_and_a_fix(tmp_path):
    problem = refused(tmp_path, "config:\n  batch-infra:location: [westeurope\n  x: y: z\n")
    assert "line " in problem and "column " in problem and "indentation" in problem


def test_a_tab_is_named_as_the_pure_python_parser_names_it(tmp_path):
    # libyaml parses first (speed) but says only "found character that cannot start any token";
    # a refused file is parsed again so the message names the character.
    problem = refused(tmp_path, "config:\n\tbatch-infra:location: westeurope\n")
    assert "line 2, column 1" in problem and "found character '\\t'" in problem, problem


@pytest.mark.parametrize(
    ("value", "said"), [(True, "is a boolean"), (False, "is a boolean"), (None, "no value")]
)
def test_a_boolean_or_empty_node_count_is_refused(tmp_path, value, said):
    values = copy.deepcopy(CORPUS["base"])
    values["pools"][0]["scale"] = {"targetDedicatedNodes": value, "targetSpotNodes": 1}
    with pytest.raises(ConfigError) as raised:
        load_stack_file(write_stack(tmp_path, values))
    assert any(
        "pools[0].scale.targetDedicatedNodes" in p and said in p and "; fix: " in p
        for p in raised.value.problems
    ), raised.value.problems


def package_problem(tmp_path: Path, path: str) -> str:
    values = copy.deepcopy(CORPUS["base"])
    values["applications"][0]["packages"] = {"1.0": path}
    with pytest.raises(ConfigError) as raised:
        load_stack_file(write_stack(tmp_path, values))
    (problem,) = [p for p in raised.value.problems if "applications[0].packages.1.0" in p]
    return problem


def test_an_absolute_package_path_is_refused(tmp_path):
    outside = tmp_path.parent / "elsewhere"
    outside.mkdir(exist_ok=True)
    assert "is an absolute path" in package_problem(tmp_path, str(outside))


def test_a_package_path_through_a_symlink_out_of_the_project_is_refused(tmp_path):
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (tmp_path / "packages").mkdir()
    (tmp_path / "packages" / "link").symlink_to(outside, target_is_directory=True)
    assert "leads outside the project" in package_problem(tmp_path, "packages/link")


def test_a_package_path_with_dotdot_out_of_the_project_is_refused(tmp_path):
    assert "leads outside the project" in package_problem(tmp_path, "../" + tmp_path.name + "/../x")


def test_a_5000_character_package_path_is_refused_short(tmp_path):
    problem = package_problem(tmp_path, "packages/" + "a" * 5000)
    assert "5009 characters long" in problem and len(problem) < 500
