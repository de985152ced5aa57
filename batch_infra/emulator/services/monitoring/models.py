"""Diagnostic settings (Microsoft.Insights 2021-05-01-preview) and Log Analytics workspaces (2023-09-01).

Rules: a diagnostic setting needs at least one destination (workspace, storage account, event hub or
partner solution) and names only categories the resource type emits ("Diagnostic settings in Azure
Monitor"; Batch accounts emit ServiceLog, ServiceLogs and AuditLog, category groups allLogs and audit, and
the AllMetrics metric category); a referenced workspace or storage account must exist; a workspace's
retentionInDays is 30-730 on PerGB2018 ("Data retention in Log Analytics").
"""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any

from batch_infra.emulator import arm
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError

SETTINGS, WORKSPACES = "diagnostic_settings", "log_analytics_workspaces"
SETTING_TYPE = "Microsoft.Insights/diagnosticSettings"
WORKSPACE_TYPE = "Microsoft.OperationalInsights/workspaces"
CATEGORIES = {
    "microsoft.batch/batchaccounts": {"ServiceLog", "ServiceLogs", "AuditLog"},
}
GROUPS = {"allLogs", "audit"}
DESTINATIONS = ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId", "marketplacePartnerId")


def _type_of(resource_uri: str) -> str:
    parts = resource_uri.split("/")
    return f"{parts[6]}/{parts[7]}".lower() if len(parts) >= 9 else ""


def _exists(ctx: EmulatorContext, resource_id: str) -> bool:
    return any(ctx.state.get(c, resource_id) is not None for c in ctx.state.collections())


def _bad(message: str, target: str | None = None) -> AzureError:
    return AzureError(400, "BadRequest", message, target=target)


def put_setting(ctx: EmulatorContext, resource_uri: str, name: str, body: Any) -> dict[str, Any]:
    if not _exists(ctx, resource_uri):
        raise AzureError(404, "ResourceNotFound", f"The resource '{resource_uri}' was not found.")
    props = arm.properties(body if isinstance(body, dict) else {}, required=True)
    if not any(props.get(k) for k in DESTINATIONS):
        raise _bad(
            "A diagnostic setting needs at least one destination: workspaceId, storageAccountId, "
            "eventHubAuthorizationRuleId or marketplacePartnerId."
        )
    for key in ("workspaceId", "storageAccountId"):
        if props.get(key) and not _exists(ctx, props[key]):
            raise _bad(f"The {key} '{props[key]}' does not exist.", target=f"properties.{key}")
    logs = _entries(props.get("logs"), _type_of(resource_uri), "logs")
    metrics = _entries(props.get("metrics"), _type_of(resource_uri), "metrics")
    doc = {
        "id": f"{resource_uri}/providers/{SETTING_TYPE}/{name}",
        "name": name,
        "type": SETTING_TYPE,
        "properties": {
            **{k: props[k] for k in (*DESTINATIONS, "eventHubName") if k in props},
            "logs": logs,
            "metrics": metrics,
            **(
                {"logAnalyticsDestinationType": props["logAnalyticsDestinationType"]}
                if props.get("logAnalyticsDestinationType")
                else {}
            ),
        },
    }
    ctx.state.put(SETTINGS, doc["id"], doc)
    return doc


def _entries(value: Any, resource_type: str, kind: str) -> list[dict[str, Any]]:
    entries = value or []
    if not isinstance(entries, list):
        raise _bad(f"properties.{kind} must be an array.", target=f"properties.{kind}")
    known = CATEGORIES.get(resource_type)
    out = []
    for index, entry in enumerate(entries):
        entry = entry if isinstance(entry, dict) else {}
        category, group = entry.get("category"), entry.get("categoryGroup")
        if kind == "metrics":
            if known is not None and category != "AllMetrics":
                raise _bad(
                    f"Metric category '{category}' is not supported; use AllMetrics.",
                    target=f"properties.metrics[{index}].category",
                )
        elif group is not None:
            if group not in GROUPS:
                raise _bad(
                    f"Category group '{group}' is not supported; use allLogs or audit.",
                    target=f"properties.logs[{index}].categoryGroup",
                )
        elif known is not None and category not in known:
            raise _bad(
                f"Category '{category}' is not supported; this resource emits {', '.join(sorted(known))}.",
                target=f"properties.logs[{index}].category",
            )
        kept = {k: entry[k] for k in ("category", "categoryGroup", "timeGrain") if entry.get(k) is not None}
        # As Microsoft's createOrUpdateDiagnosticSettingCategory example answers: the retention policy echoed.
        retention = entry.get("retentionPolicy") or {"enabled": False, "days": 0}
        out.append({**kept, "enabled": bool(entry.get("enabled", False)), "retentionPolicy": retention})
    return out


def get_setting(ctx: EmulatorContext, resource_uri: str, name: str) -> dict[str, Any]:
    doc = ctx.state.get(SETTINGS, f"{resource_uri}/providers/{SETTING_TYPE}/{name}")
    if doc is None:
        raise AzureError(404, "ResourceNotFound", f"The diagnostic setting '{name}' does not exist.")
    return doc


def delete_setting(ctx: EmulatorContext, resource_uri: str, name: str) -> bool:
    return ctx.state.delete(SETTINGS, f"{resource_uri}/providers/{SETTING_TYPE}/{name}")


def workspace_id(subscription: str, group: str, name: str) -> str:
    return f"{arm.resource_group_id(subscription, group)}/providers/{WORKSPACE_TYPE}/{name}"


def put_workspace(
    ctx: EmulatorContext, subscription: str, group: str, name: str, body: Any
) -> tuple[dict[str, Any], bool]:
    body = body if isinstance(body, dict) else {}
    location = arm.normalize_location(body.get("location"))
    props = arm.properties(body)
    sku = (props.get("sku") or {}).get("name", "PerGB2018")
    retention = props.get("retentionInDays", 30)
    if not isinstance(retention, int) or not 30 <= retention <= 730:
        raise AzureError(
            400,
            "InvalidParameter",
            f"retentionInDays {retention!r} is outside 30-730.",
            target="properties.retentionInDays",
        )
    key = workspace_id(subscription, group, name)
    existing = ctx.state.get(WORKSPACES, key)
    now = ctx.now().astimezone(UTC).isoformat()
    old = (existing or {}).get("properties", {})
    doc = {
        "id": key,
        "name": name,
        "type": WORKSPACE_TYPE,
        "location": location,
        "etag": f'"{uuid.uuid4()}"',
        "properties": {
            "customerId": old.get("customerId", str(uuid.uuid4())),
            "provisioningState": "Creating" if existing is None else "Updating",
            "sku": {"name": sku, "lastSkuUpdate": now},
            "retentionInDays": retention,
            "features": {
                "legacy": 0,
                "searchVersion": 1,
                "enableLogAccessUsingOnlyResourcePermissions": True,
            },
            "workspaceCapping": {
                "dailyQuotaGb": -1.0,
                "quotaNextResetTime": now,
                "dataIngestionStatus": "RespectQuota",
            },
            "publicNetworkAccessForIngestion": props.get("publicNetworkAccessForIngestion", "Enabled"),
            "publicNetworkAccessForQuery": props.get("publicNetworkAccessForQuery", "Enabled"),
            "createdDate": old.get("createdDate", now),
            "modifiedDate": now,
        },
    }
    if tags := arm.check_tags(body):
        doc["tags"] = tags
    ctx.state.put(WORKSPACES, key, doc)
    return doc, existing is None
