"""Which sink a Batch account's consumers read its key from: one per account, named in a tag on the account.

Each rotation regenerates the key it no longer publishes, so rotating one account through a second sink
would silently kill the key the first sink's consumers hold. The first rotation records its sink in the
account's `batch-infra-key-sink` tag; a rotation through any other sink is refused with the way to move.
pulumi-azure-native PUTs the account with the stack's tags only, so a tag written by a rotation alone is
dropped by the next `pulumi up` that updates the account: the stack file declares it (`batch-infra:tags`)
to keep it, and a declared sink counts even when Azure lost the tag.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from batch_infra.errors import BatchInfraError
from batch_infra.providers import azure_clients
from batch_infra.providers.azure_clients import Target

SINK_TAG = "batch-infra-key-sink"
_MAX_TAG_VALUE = 256  # Azure's limit on a tag value


def sink_identity(sink: Any) -> str:
    """The sink's stable name for the tag (a long one hashed to fit Azure's 256-character limit)."""
    identity = str(getattr(sink, "identity", sink.description))
    if len(identity) <= _MAX_TAG_VALUE:
        return identity
    kind = identity.split(":", 1)[0]
    return f"{kind}:sha256:{hashlib.sha256(identity.encode()).hexdigest()}"


def claim_sink(
    target: Target,
    account: Any,
    sink: Any,
    *,
    dry_run: bool,
    azure: Callable[..., Any],
    declared: str | None = None,
) -> str | None:
    """Refuse a sink other than the one recorded on the account or `declared` in the stack's tags; record
    this one when none is. Returns the note for the report when it recorded (or, dry, would record) the
    sink, or when the stack file does not declare it yet."""
    mgmt = azure_clients.batch_mgmt_client(target)
    found = azure(
        f"read Batch account {account.batch_account}",
        lambda: mgmt.batch_account.get(account.resource_group, account.batch_account),
    )
    tags = dict(found.tags or {})
    mine = sink_identity(sink)
    if declared and declared != mine:
        raise BatchInfraError(
            f"the stack declares the key sink of Batch account {account.batch_account} as {declared} (tag "
            f"{SINK_TAG} in batch-infra:tags); rotating through {sink.description} would regenerate the key "
            "that sink's consumers hold, and they would fail",
            fix=f"rotate through that sink; to move the consumers to {sink.description}, point them at it, "
            f"then set batch-infra:tags.{SINK_TAG} to {mine} in the stack file and run `pulumi up`",
        )
    recorded = tags.get(SINK_TAG)
    keep = (
        None
        if declared
        else f"add `{SINK_TAG}: {mine}` under batch-infra:tags in the stack file: the next `pulumi up` "
        "that updates the Batch account writes only the stack's tags and would drop this record"
    )
    if recorded == mine:
        return keep
    if recorded:
        raise BatchInfraError(
            f"the keys of Batch account {account.batch_account} are published to {recorded} (its tag "
            f"{SINK_TAG}); rotating them through {sink.description} would regenerate the key that sink's "
            "consumers hold, and they would fail",
            fix=f"rotate through that sink (--sink with --vault-url/--secret-name or --sink-path naming "
            f"it); to move the consumers to {sink.description}, point them at it, then remove the tag "
            f"(`az tag update --resource-id {found.id} --operation Delete --tags {SINK_TAG}={recorded}`) "
            "and re-run",
        )
    if dry_run:
        return f"would record {sink.description} as the account's key sink (tag {SINK_TAG})" + (
            f"; {keep}" if keep else ""
        )
    azure(
        f"record the key sink on Batch account {account.batch_account} (tag {SINK_TAG})",
        lambda: mgmt.batch_account.update(
            account.resource_group, account.batch_account, {"tags": {**tags, SINK_TAG: mine}}
        ),
    )
    return (
        f"recorded {sink.description} as the account's key sink (tag {SINK_TAG}): a rotation through "
        "another sink is refused" + (f"; {keep}" if keep else "")
    )
