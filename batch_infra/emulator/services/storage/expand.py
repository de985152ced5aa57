"""What GET storage account ?$expand= adds to the answer (the StorageAccountExpand of GetProperties)."""

from __future__ import annotations

import copy
from typing import Any

from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError

EXPANDS = ("geoReplicationStats", "blobRestoreStatus")
# Where a failover leaves the account (GeoReplicationStats.postFailoverRedundancy: Standard_LRS or
# Standard_ZRS); a planned failover keeps the SKU (postPlannedFailoverRedundancy).
_AFTER_FAILOVER = {
    "Standard_GRS": "Standard_LRS",
    "Standard_RAGRS": "Standard_LRS",
    "Standard_GZRS": "Standard_ZRS",
    "Standard_RAGZRS": "Standard_ZRS",
}


def expanded(ctx: EmulatorContext, doc: dict[str, Any], expand: str | None) -> dict[str, Any]:
    """The account as GET answers it for `expand`: geoReplicationStats for a geo-redundant account (a
    secondary that is Live and caught up now). blobRestoreStatus is answered only after a blob range
    restore, which the emulator does not serve, so it adds nothing; what Azure answers for
    geoReplicationStats on a locally redundant account is unverified (nothing is added)."""
    if expand is None:
        return doc
    if expand not in EXPANDS:
        raise AzureError(
            400,
            "InvalidQueryParameterValue",
            f"Value '{expand}' is not valid for $expand: use one of {', '.join(EXPANDS)}.",
            target="$expand",
        )
    after = _AFTER_FAILOVER.get(doc["sku"]["name"])
    if expand != "geoReplicationStats" or after is None:
        return doc
    answer = copy.deepcopy(doc)
    answer["properties"]["geoReplicationStats"] = {
        "status": "Live",
        "lastSyncTime": ctx.now().isoformat(),
        "canFailover": True,
        "canPlannedFailover": True,
        "postFailoverRedundancy": after,
        "postPlannedFailoverRedundancy": doc["sku"]["name"],
    }
    return answer
