"""The monitor's decoding of special values, secret stripping/annotation, ignoreChanges and delete order."""

from __future__ import annotations

import pytest
from google.protobuf import struct_pb2

from tests.engine.ignore_changes import process_ignore_changes
from tests.engine.state import ResourceState, delete_order, make_urn
from tests.engine.values import UNKNOWN, UNKNOWN_GUID, Secret
from tests.engine.wire import (
    OUTPUT_VALUE_SIG,
    RESOURCE_SIG,
    SECRET_SIG,
    SIG_KEY,
    WireError,
    annotate_secrets,
    decode_properties,
    for_provider,
    mark_secret_outputs,
    struct_to_dict,
)


def struct(values: dict) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(values)
    return s


def test_every_special_value_the_sdk_sends_is_decoded() -> None:
    decoded = decode_properties(
        struct(
            {
                "count": 2.0,
                "ratio": 0.5,
                "pending": UNKNOWN_GUID,
                "password": {SIG_KEY: SECRET_SIG, "value": "pw"},
                "subnet": {SIG_KEY: OUTPUT_VALUE_SIG, "value": "/sub/1", "dependencies": ["urn:a"]},
                "later": {SIG_KEY: OUTPUT_VALUE_SIG, "secret": True, "dependencies": ["urn:b"]},
                "account": {SIG_KEY: RESOURCE_SIG, "urn": "urn:c", "id": "/acct"},
                "component": {SIG_KEY: RESOURCE_SIG, "urn": "urn:d"},
            }
        )
    )
    assert decoded.values == {
        "count": 2,
        "ratio": 0.5,
        "pending": UNKNOWN,
        "password": Secret("pw"),
        "subnet": "/sub/1",
        "later": Secret(UNKNOWN),
        "account": "/acct",
        "component": "urn:d",
    }
    assert decoded.dependencies == {
        "subnet": {"urn:a"},
        "later": {"urn:b"},
        "account": {"urn:c"},
        "component": {"urn:d"},
    }


def test_an_asset_is_refused_not_dropped() -> None:
    with pytest.raises(WireError, match="property 'code': assets and archives are not supported"):
        decode_properties(struct({"code": {SIG_KEY: "c44067f5952c0a294b673a41bacd8c17", "path": "x"}}))


def test_a_provider_without_accept_secrets_gets_plain_values_and_the_unknown_guid() -> None:
    sent = struct_to_dict(for_provider({"pw": Secret("pw"), "nested": {"k": Secret(1)}, "id": UNKNOWN}))
    assert sent == {"pw": "pw", "nested": {"k": 1.0}, "id": UNKNOWN_GUID}


def test_same_named_outputs_of_secret_inputs_are_secret_again() -> None:
    outputs = annotate_secrets({"pw": "pw", "name": "n", "extra": "e"}, {"pw": Secret("pw"), "name": "n"})
    assert outputs == {"pw": Secret("pw"), "name": "n", "extra": "e"}
    assert mark_secret_outputs(outputs, ["extra", "absent"])["extra"] == Secret("e")


def test_ignore_changes_takes_old_values_and_drops_what_old_lacked() -> None:
    olds = {"defaultVersion": "1.0", "nested": {"a": 1, "b": 2}}
    news = {"defaultVersion": "2.0", "nested": {"a": 9, "b": 9}, "added": True}
    assert process_ignore_changes(news, olds, ["defaultVersion", "nested.a", "added"]) == {
        "defaultVersion": "1.0",
        "nested": {"a": 1, "b": 9},
    }


def _state(name: str, parent: str = "", deps: list[str] = (), prop_deps: dict | None = None) -> ResourceState:
    return ResourceState(
        urn=make_urn("dev", "p", "t:m:R", name, None),
        type="t:m:R",
        custom=True,
        parent=parent,
        dependencies=list(deps),
        property_dependencies=prop_deps or {},
    )


def test_delete_order_puts_dependents_first_through_every_kind_of_edge() -> None:
    stack = _state("stack")
    account = _state("account", parent=stack.urn)
    pool = _state("pool", parent=stack.urn, prop_deps={"accountName": [account.urn]})
    package = _state("package", deps=[account.urn])
    child = _state("child", parent=pool.urn)
    order = [s.name for s in delete_order([stack, account, pool, package, child])]
    assert order.index("child") < order.index("pool") < order.index("account") < order.index("stack")
    assert order.index("package") < order.index("account")


def test_urns_carry_the_parent_type_chain_but_not_the_stack() -> None:
    stack = make_urn("dev", "p", "pulumi:pulumi:Stack", "p-dev", None)
    env = make_urn("dev", "p", "batch-infra:environment:BatchEnvironment", "batch", stack)
    pool = make_urn("dev", "p", "pulumi-python:dynamic/pool:Pool", "batch-pool-a", env)
    assert env == "urn:pulumi:dev::p::batch-infra:environment:BatchEnvironment::batch"
    assert (
        pool == "urn:pulumi:dev::p::batch-infra:environment:BatchEnvironment$pulumi-python:dynamic/pool:Pool"
        "::batch-pool-a"
    )
