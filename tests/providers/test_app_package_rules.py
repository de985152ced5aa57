"""The ApplicationPackage provider's pure rules: input shapes, allowUpdates, limits, diff and block sizes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from pulumi.output import Unknown

from batch_infra.providers import app_package_rules as rules
from batch_infra.providers.app_package_rules import PackageInputs

BASE = PackageInputs("sub", "rg", "acct", "tools", "1.0.0", "/p", "sha256:aa", True, False).as_props()


def test_unchanged_inputs_have_no_diff_and_a_moved_checkout_is_not_a_change():
    assert not rules.diff(BASE, BASE).changes
    assert not rules.diff(BASE, {**BASE, "path": "/elsewhere/p"}).changes


def test_identity_changes_replace_and_content_changes_update_in_place():
    assert rules.diff(BASE, {**BASE, "version": "1.0.1"}).replaces == ["version"]
    found = rules.diff(BASE, {**BASE, "content_hash": "sha256:bb", "set_default": True})
    assert found.replaces == [] and found.updates == ["content_hash", "set_default"]


def test_new_content_under_a_version_is_refused_only_without_allow_updates():
    frozen = {**BASE, "allow_updates": False}
    assert rules.update_refused(frozen, {**frozen, "content_hash": "sha256:bb"}) is not None
    assert rules.update_refused(BASE, {**BASE, "content_hash": "sha256:bb"}) is None
    assert rules.update_refused({}, frozen) is None  # a first publish is no update
    assert rules.update_refused(frozen, {**frozen, "version": "2", "content_hash": "sha256:bb"}) is None
    assert rules.update_refused(frozen, {**frozen, "content_hash": Unknown()}) is None


def test_shape_problems_name_the_property_and_skip_unknowns():
    problems = dict(rules.shape_problems({**BASE, "allow_updates": "yes", "account_name": ""}))
    assert set(problems) == {"allow_updates", "account_name"}
    assert rules.shape_problems({**BASE, "account_name": Unknown()}) == []


def test_application_limit_counts_only_new_applications_case_insensitively():
    inputs = PackageInputs.from_props(BASE)
    twenty = [f"app{i}" for i in range(20)]
    assert [p for p, _ in rules.limit_problems(inputs, twenty, [])] == ["application_name"]
    assert rules.limit_problems(inputs, [*twenty[:19], "TOOLS"], []) == []


@given(st.integers(min_value=0, max_value=rules.MAX_BLOCK_BLOB_BYTES))
def test_block_size_always_fits_the_blob_in_50000_blocks(size):
    block = rules.block_size(size)
    assert rules.MIN_BLOCK_BYTES <= block <= rules.MAX_BLOCK_BYTES and block % rules.MIB == 0
    assert block * rules.MAX_BLOCKS >= size


def test_packages_larger_than_a_block_blob_are_refused_with_a_fix():
    assert rules.size_problem(rules.MAX_BLOCK_BLOB_BYTES, "/p") is None
    assert "fix:" in rules.size_problem(rules.MAX_BLOCK_BLOB_BYTES + 1, "/p")
