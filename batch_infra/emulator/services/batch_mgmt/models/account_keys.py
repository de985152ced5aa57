"""Batch account keys: the SharedKey pair (list, regenerate) and the auto-storage key sync."""

from __future__ import annotations

import base64
import secrets
from typing import TYPE_CHECKING, Any

from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.services.batch_mgmt.models import auto_storage_keys, common
from batch_infra.emulator.services.batch_mgmt.models.common import ACCOUNTS

if TYPE_CHECKING:
    from batch_infra.emulator.context import EmulatorContext

AUTH_MODES = ("SharedKey", "AAD", "TaskAuthenticationToken")


def new_key() -> str:
    return base64.b64encode(secrets.token_bytes(64)).decode("ascii")


def new_pair() -> dict[str, str]:
    return {"primary": new_key(), "secondary": new_key()}


def keys(ctx: EmulatorContext, subscription: str, resource_group: str, name: str) -> dict[str, str]:
    doc = common.get_account(ctx, subscription, resource_group, name)
    _require_shared_key(doc)
    return {"accountName": doc["resource"]["name"], **doc["keys"]}


def regenerate_key(
    ctx: EmulatorContext, subscription: str, resource_group: str, name: str, body: Any
) -> dict:
    """Replace the primary or secondary key; the old one stops authenticating on the data plane at once."""
    body = common.require_object(body, "regenerateKeys")
    key_name = body.get("keyName")
    if key_name not in ("Primary", "Secondary"):
        raise AzureError(
            400,
            "InvalidRequestBody",
            f"keyName must be 'Primary' or 'Secondary', not {key_name!r}.",
            target="keyName",
        )
    with ctx.state.transaction() as state:
        doc = common.get_account(ctx, subscription, resource_group, name)
        _require_shared_key(doc)
        doc["keys"][key_name.lower()] = new_key()
        state.put(ACCOUNTS, doc["resource"]["id"], doc)
        return {"accountName": doc["resource"]["name"], **doc["keys"]}


def sync_auto_storage_keys(ctx: EmulatorContext, subscription: str, resource_group: str, name: str) -> None:
    with ctx.state.transaction() as state:
        doc = common.get_account(ctx, subscription, resource_group, name)
        auto = doc["resource"]["properties"].get("autoStorage")
        if not auto:
            raise AzureError(
                409,
                "AccountNotConfiguredWithAutoStorage",
                f"The Batch account '{name}' has no "
                "auto-storage account; set properties.autoStorage.storageAccountId first.",
            )
        auto["lastKeySync"] = common.iso(ctx.now())
        auto_storage_keys.take_snapshot(ctx, doc)
        state.put(ACCOUNTS, doc["resource"]["id"], doc)


def _require_shared_key(doc: dict[str, Any]) -> None:
    if "SharedKey" not in doc["resource"]["properties"].get("allowedAuthenticationModes", AUTH_MODES):
        raise AzureError(
            409,
            "SharedKeyAuthenticationDisabled",
            f"The Batch account '{doc['resource']['name']}' "
            "does not allow SharedKey authentication, so it has no usable keys; add 'SharedKey' to "
            "allowedAuthenticationModes or use Microsoft Entra ID.",
        )
