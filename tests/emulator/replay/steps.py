"""Prerequisite steps a manifest row lists before its request: each is an object with one verb key.
A new provider plugs in by listing `put`/`post` steps, or by adding a verb to STEPS."""

from __future__ import annotations

import copy
import re
import urllib.request
from collections.abc import Callable
from typing import Any

from tests.emulator.replay.client import EmulatorHttp, Reply
from tests.emulator.replay.compare import to_subscription
from tests.emulator.replay.readonly import strip_read_only

RESOURCES_API = "2025-04-01"
BATCH_API = "2025-06-01"
_EMPTY_ZIP = b"PK\x05\x06" + b"\x00" * 18  # an empty zip archive
_PARAM = re.compile(r"\{([A-Za-z0-9_.-]+)\}")


class StepError(RuntimeError):
    """A prerequisite the emulator refused: the example cannot be replayed."""


class Run:
    """What a replay knows: the emulator, the example, and the variables its templates use."""

    def __init__(self, http: EmulatorHttp, example: dict[str, Any], row: Any) -> None:
        self.http = http
        self.example = example
        self.row = row
        params = {k: v for k, v in example.get("parameters", {}).items() if isinstance(v, str)}
        self.vars: dict[str, str] = {**params, "subscriptionId": http.subscription}

    def fill(self, template: str) -> str:
        def value(match: re.Match[str]) -> str:
            if match.group(1) not in self.vars:
                raise StepError(
                    f"'{{{match.group(1)}}}' in '{template}' is neither an example parameter nor "
                    "set by an earlier step"
                )
            return self.vars[match.group(1)]

        return to_subscription(_PARAM.sub(value, template), self.http.subscription)

    def body(self, value: Any) -> Any:
        """A body with the known `{param}`s filled in; other braces are kept (examples write ids like
        /subscriptions/{subscription-id}/..., which the subscription move then fixes)."""
        filled = _fill_strings(value, self._fill_known)
        return to_subscription(filled, self.http.subscription)

    def _fill_known(self, template: str) -> str:
        return _PARAM.sub(lambda m: self.vars.get(m.group(1), m.group(0)), template)


def _fill_strings(value: Any, fill: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return fill(value) if _PARAM.search(value) and not value.startswith("$") else value
    if isinstance(value, list):
        return [_fill_strings(item, fill) for item in value]
    if isinstance(value, dict):
        return {key: _fill_strings(item, fill) for key, item in value.items()}
    return value


def _ok(reply: Reply, what: str) -> Reply:
    if reply.status >= 300:
        raise StepError(f"prerequisite {what} was refused: {reply.describe()}")
    return reply


def resource_group(run: Run, step: dict[str, Any]) -> None:
    name = run.fill(step["resourceGroup"])
    path = f"/subscriptions/{run.http.subscription}/resourcegroups/{name}"
    _ok(
        run.http.send("PUT", path, RESOURCES_API, {"location": step.get("location", "westeurope")}),
        f"resource group {name}",
    )


def put(run: Run, step: dict[str, Any]) -> None:
    path = run.fill(step["put"])
    reply = run.http.send_and_finish(
        "PUT", path, step.get("apiVersion", run.row.api_version), run.body(step.get("body", {}))
    )
    _ok(reply, f"PUT {path}")


def post(run: Run, step: dict[str, Any]) -> None:
    path = run.fill(step["post"])
    reply = run.http.send_and_finish(
        "POST", path, step.get("apiVersion", run.row.api_version), run.body(step.get("body"))
    )
    _ok(reply, f"POST {path}")


def put_response(run: Run, step: dict[str, Any]) -> None:
    """PUT the example's own response (read-only properties dropped, as `definition` marks them) at `path`
    (default the row's), or, with `each`, every item of its `value` list at the item's id: the state the
    example's answer describes. `drop` removes properties and `with` replaces them (dotted paths); a row
    that changes the state this way lists the changed paths in instanceSpecific with the reason."""
    status = str(step.get("status", "200"))
    body = copy.deepcopy(run.example["responses"][status]["body"])
    definition = step.get("definition") or (run.row.schema or {}).get("definition")
    spec = (run.row.schema or {}).get("spec")
    items = body["value"] if step.get("each") else [body]
    for item in items:
        target = step.get("path") or step["putResponse"] or run.row.path
        path = run.fill(item["id"]) if step.get("each") else run.fill(target)
        clean = strip_read_only(run.body(item), spec, definition) if spec and definition else run.body(item)
        for name in step.get("drop", []):
            _drop(clean, name)
        for name, value in step.get("with", {}).items():
            _set(clean, name, run.body(value))
        reply = run.http.send_and_finish("PUT", path, step.get("apiVersion", run.row.api_version), clean)
        _ok(reply, f"PUT {path} (the example's response as the resource)")


def batch_account(run: Run, step: dict[str, Any]) -> None:
    """A Batch account (resource group included); sets `batchUrl` to its served data-plane endpoint."""
    group = run.fill(step.get("resourceGroup", "replay-rg"))
    location = step.get("location", "westeurope")
    resource_group(run, {"resourceGroup": group, "location": location})
    name = run.fill(step["batchAccount"])
    path = f"/subscriptions/{run.http.subscription}/resourceGroups/{group}/providers/Microsoft.Batch"
    path += f"/batchAccounts/{name}"
    body = {"location": location, "properties": run.body(step.get("properties", {}))}
    reply = _ok(run.http.send_and_finish("PUT", path, BATCH_API, body), f"Batch account {name}")
    run.vars["batchUrl"] = "https://" + reply.body["properties"]["accountEndpoint"]
    run.vars["batchAccountPath"] = path


def admin(run: Run, step: dict[str, Any]) -> None:
    method, _, path = step["admin"].partition(" ")
    url = run.http.info["admin_endpoint"].rstrip("/") + run.fill(path)
    _ok(run.http.send(method, url, None, run.body(step.get("body"))), f"admin {step['admin']}")


def upload(run: Run, step: dict[str, Any]) -> None:
    """Upload a small zip to an application package's storageUrl, as `az batch application package create`
    does before it activates the package."""
    path = run.fill(step["upload"])
    package = _ok(run.http.send("GET", path, run.row.api_version), f"GET {path}")
    url = package.body["properties"]["storageUrl"]
    headers = {"x-ms-blob-type": "BlockBlob"}
    request = urllib.request.Request(url, data=_EMPTY_ZIP, method="PUT", headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the emulator's Azurite URL
        if response.status >= 300:
            raise StepError(f"uploading the package to {url} answered {response.status}")


def set_vars(run: Run, step: dict[str, Any]) -> None:
    run.vars.update({key: run.fill(value) for key, value in step["vars"].items()})


def _drop(body: dict[str, Any], dotted: str) -> None:
    *parents, last = dotted.split(".")
    for name in parents:
        body = body.get(name) or {}
    body.pop(last, None)


def _set(body: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for name in parents:
        body = body.setdefault(name, {})
    body[last] = value


STEPS: dict[str, Callable[[Run, dict[str, Any]], None]] = {
    "resourceGroup": resource_group,
    "put": put,
    "post": post,
    "putResponse": put_response,
    "batchAccount": batch_account,
    "admin": admin,
    "upload": upload,
    "vars": set_vars,
}


def run_step(run: Run, step: dict[str, Any]) -> None:
    verbs = [key for key in step if key in STEPS]
    if len(verbs) != 1:
        raise StepError(f"prerequisite {step} must have exactly one of {', '.join(STEPS)}")
    STEPS[verbs[0]](run, step)
