"""`pulumi install` with `toolchain: pip` installs just requirements.txt (sdk/python/toolchain/pip.go ~543).

Regression test for issue 11 defect 8: with no requirements.txt the virtualenv stayed empty. Here the file
must install this project (so `pulumi` and every provider module are importable from .venv).
"""

from __future__ import annotations

import tomllib

import yaml

from tests.fixtures.plans import PROJECT_DIR


def test_pulumi_install_installs_the_project_into_the_virtualenv_pulumi_yaml_names():
    options = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())["runtime"]["options"]
    assert options == {"toolchain": "pip", "virtualenv": ".venv"}
    lines = (PROJECT_DIR / "requirements.txt").read_text().splitlines()
    requirements = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    assert requirements == ["-e ."]  # pip runs in the project root, so "." is this project
    project = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]
    assert project["name"] == "batch-infra"
    assert any(dependency.startswith("pulumi>=") for dependency in project["dependencies"])
