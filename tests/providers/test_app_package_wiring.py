"""Packages as BatchEnvironment declares them per stack (Pulumi mocks): one per (application, version)."""

from __future__ import annotations

from pathlib import Path

import pytest

from batch_infra import package_content
from batch_infra.components.packages import package_name, subscription_of
from batch_infra.config import load_stack_file, stack_file
from batch_infra.providers.app_package_rules import input_names
from tests.fixtures.plans import PROJECT_DIR, STACKS

TYPE = "pulumi-python:dynamic/app_package:ApplicationPackage"


@pytest.mark.parametrize("stack", STACKS)
def test_each_configured_version_is_one_package_with_its_content_hash(planned, stack):
    config = load_stack_file(stack_file(stack, PROJECT_DIR), environment=stack).config
    found = {r.name: r.properties for r in planned(stack).resources if r.type == TYPE}
    expected = {
        package_name("batch", a.id, v): (a, v, rel)
        for a in config.applications
        for v, rel in a.packages.items()
    }
    assert set(found) == set(expected)
    for name, (app, version, rel) in expected.items():
        props = found[name]
        # subscription_id is an Output of the account id under mocks; zip_sha256 is None for a folder.
        assert set(props) >= set(input_names()) - {"subscription_id", "zip_sha256"}
        assert props.get("zip_sha256") is None
        assert props["application_name"] == app.id and props["version"] == version
        assert props["path"] == str((PROJECT_DIR / rel).resolve()) and Path(props["path"]).is_absolute()
        assert props["content_hash"] == package_content.content_hash(PROJECT_DIR / rel)
        assert props["allow_updates"] is app.allow_updates
        assert props["sibling_versions"] == sorted(app.packages)
        assert props["set_default"] is (version.lower() == (app.default_version or "").lower())


def test_the_subscription_comes_from_the_account_id():
    assert (
        subscription_of("/subscriptions/0000-1/resourceGroups/rg/providers/Microsoft.Batch/batchAccounts/a")
        == "0000-1"
    )
    with pytest.raises(ValueError, match="not an Azure resource id"):
        subscription_of("batchAccounts/a")


def test_child_names_fold_case_so_a_case_only_edit_keeps_the_urn():
    assert package_name("batch", "Tools", "1.0-RC") == package_name("batch", "tools", "1.0-rc")
    assert package_name("batch", "Tools", "1.0-RC") == "batch-package-tools-1.0-rc"


def test_the_default_version_is_set_after_its_siblings(planned):
    """A sibling may be the old default clearing itself; that clear must never land after the new default."""
    resources = {r.name: r for r in planned("prod").resources}
    default = resources["batch-package-renderer-2.3.0"]
    sibling = resources["batch-package-renderer-2.4.0"]
    assert default.inputs["set_default"] is True and sibling.inputs["set_default"] is False
    assert sibling.urn in default.dependencies
    assert default.urn not in sibling.dependencies
