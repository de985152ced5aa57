"""Property tests of Azure's naming rules: derived names are always valid, invalid names always refused."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from batch_infra.config.naming import (
    account_name_problem,
    derive_names,
    network_name_problem,
    resource_group_problem,
)
from batch_infra.config.stack import Naming, StackConfig

LOWER_DIGITS = string.ascii_lowercase + string.digits
prefixes = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from(string.ascii_lowercase),
    st.text(LOWER_DIGITS, min_size=1, max_size=10),
)
environments = st.builds(
    lambda head, tail: head + tail, st.sampled_from(string.ascii_lowercase), st.text(LOWER_DIGITS, max_size=7)
)
# Names drawn from a wider alphabet than Azure allows, so both valid and invalid ones come up.
candidate_names = st.text(string.ascii_letters + string.digits + "-_.() é", max_size=30)


def is_account_name(name: str) -> bool:
    """Azure's rule for storage and Batch accounts, stated independently of the regex under test."""
    return 3 <= len(name) <= 24 and all(c in LOWER_DIGITS for c in name)


def is_resource_group_name(name: str) -> bool:
    allowed = set(string.ascii_letters + string.digits + "-_.()é")
    return 1 <= len(name) <= 90 and set(name) <= allowed and not name.endswith(".")


@given(prefixes, environments)
def test_derived_names_are_always_valid_azure_names(prefix, environment):
    names = derive_names(prefix, environment)
    assert account_name_problem(names.storage_account) is None
    assert account_name_problem(names.batch_account) is None
    assert resource_group_problem(names.resource_group) is None
    for name in (names.virtual_network, names.subnet, names.network_security_group):
        assert network_name_problem(name) is None
    assert len({names.storage_account, names.batch_account}) == 2  # one global namespace each, never shared


@given(prefixes, environments)
def test_a_stack_with_a_valid_prefix_and_environment_has_no_naming_problem(prefix, environment):
    config = StackConfig.model_validate(
        {"environment": environment, "location": "westeurope", "naming": {"prefix": prefix}}
    )
    assert config.cross_problems() == []


@given(candidate_names)
def test_account_names_are_accepted_exactly_when_azure_would(name):
    assert (account_name_problem(name) is None) == is_account_name(name)
    if not is_account_name(name.strip()):  # config values are stripped of surrounding whitespace first
        with pytest.raises(ValidationError, match="naming.storageAccount|storage_account|storageAccount"):
            Naming.model_validate({"prefix": "contoso", "storageAccount": name})


@given(candidate_names)
def test_resource_group_names_are_accepted_exactly_when_azure_would(name):
    assert (resource_group_problem(name) is None) == is_resource_group_name(name)


@given(st.text(string.ascii_letters + string.digits + "-_", max_size=14))
def test_invalid_prefixes_are_always_refused(prefix):
    valid = (
        2 <= len(prefix) <= 11
        and prefix[0] in string.ascii_lowercase
        and all(c in LOWER_DIGITS for c in prefix)
    )
    if valid:
        assert Naming.model_validate({"prefix": prefix}).prefix == prefix
    else:
        with pytest.raises(ValidationError, match="prefix"):
            Naming.model_validate({"prefix": prefix})
