"""The program started as the Python language host starts it: pwd and entry from Pulumi.yaml, chdir, run_path.

Regression test for issue 11 defect 1: with `main: batch_infra/program.py` the engine ran the program in
batch_infra/ and `Path.cwd()` was taken as the project, so no package path resolved. This runs the same
steps as pulumi-language-python-exec (lines ~149 and ~188 of the upstream script: `os.chdir(pwd)`, then
`runpy.run_path(PROGRAM, run_name="__main__")`, with `--root_directory` in the settings) under Pulumi's mocks.
"""

from __future__ import annotations

import os
import runpy
from pathlib import Path

import pulumi
import pytest

from batch_infra.config import load_stack_file, stack_file
from batch_infra.ops.plan import pulumi_config_values, run_under_mocks
from tests.fixtures.plans import PROJECT_DIR
from tests.fixtures.pulumi_launch import LANGUAGE_SCRIPT, project_launch, upstream_script

PACKAGE = "pulumi-python:dynamic/app_package:ApplicationPackage"


def test_the_language_host_script_does_what_this_test_imitates():
    script = upstream_script(LANGUAGE_SCRIPT).read_text()
    assert "os.chdir(args.pwd)" in script and 'runpy.run_path(args.PROGRAM, run_name="__main__")' in script


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_program_run_by_the_language_host_finds_the_packages(stack, monkeypatch):
    launch = project_launch()
    path = stack_file(stack, PROJECT_DIR)
    config, secret_keys = pulumi_config_values(path, load_stack_file(path, environment=stack))

    def language_host() -> dict:
        pulumi.runtime.settings.SETTINGS.root_directory = str(launch.root)  # --root_directory
        monkeypatch.chdir(launch.pwd)
        runpy.run_path(launch.program, run_name="__main__")
        return {}

    resources, _ = run_under_mocks(language_host, stack=stack, config=config, secret_keys=secret_keys)
    paths = [Path(r.inputs["path"]) for r in resources if r.type == PACKAGE]
    assert paths and all(p.is_relative_to(PROJECT_DIR / "packages") and p.exists() for p in paths)
    assert Path(os.getcwd()) == launch.pwd == PROJECT_DIR
