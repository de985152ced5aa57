"""LICENSE, pyproject's license and CHANGELOG.md agree and follow their formats (issue 15 item 18)."""

from __future__ import annotations

import re
import tomllib

from tests.fixtures.plans import PROJECT_DIR

KEEP_A_CHANGELOG_KINDS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")


def _pyproject() -> dict:
    return tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())


def test_the_license_file_is_the_one_pyproject_declares_as_an_spdx_expression():
    project = _pyproject()["project"]
    # A TOML table (`{ text = "MIT" }`) made setuptools print its deprecation warning twice per install.
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    text = (PROJECT_DIR / "LICENSE").read_text()
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text


def test_the_build_backend_reads_spdx_license_expressions():
    requires = _pyproject()["build-system"]["requires"]
    setuptools = next(r for r in requires if r.startswith("setuptools"))
    assert setuptools == "setuptools>=77"  # the first setuptools with `license = "<SPDX>"` and license-files


def test_the_changelog_follows_keep_a_changelog_and_lists_the_current_version():
    text = (PROJECT_DIR / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog\n")
    releases = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, flags=re.M)
    assert releases[0] == ("Unreleased", "")
    assert (_pyproject()["project"]["version"], "2026-11-22") in releases
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        kinds = re.findall(r"^### (.+)$", section, flags=re.M)
        assert kinds and set(kinds) <= set(KEEP_A_CHANGELOG_KINDS), section.splitlines()[0]
        for body in re.split(r"^### .+$", section, flags=re.M)[1:]:
            assert re.search(r"^- \S", body, flags=re.M), f"an empty subsection in {section.splitlines()[0]}"
