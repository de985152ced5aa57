"""Batch data-plane handlers (2025-06-01): supported images, pools, node counts, autoscale."""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote

from batch_infra.emulator import catalog
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.http import Request, Response
from batch_infra.emulator.services.batch_data import auth, views
from batch_infra.emulator.services.batch_mgmt.models import common, pools

API_VERSION = "2025-06-01"
_FILTER_TERM = re.compile(r"^\s*(\w+)\s+eq\s+'([^']*)'\s*$")
_IMAGE_FILTERABLE = {"verificationType", "osType", "nodeAgentSKUId"}
_MIN_INTERVAL, _MAX_INTERVAL = 5 * 60, 168 * 3600


class BatchDataPlane:
    """Route handlers for one emulator; the account comes from the URL (/batch/{account}/...)."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx

    def authenticate(self, request: Request, account_name: str) -> None:
        """The framework's data-plane hook: a bearer token needs 'AAD' among the account's
        allowedAuthenticationModes, a SharedKey signature needs 'SharedKey', a fresh date and
        a CURRENT key."""
        doc = self._account_doc(request.params.get("location", ""), account_name)
        modes = doc["resource"]["properties"].get("allowedAuthenticationModes", ())
        header = request.headers.get("authorization", "")
        if header.partition(" ")[0].lower() == "bearer":
            if "AAD" not in modes:
                raise auth.mode_disabled(account_name, "AAD")
            auth.verify_bearer(header, self.ctx.token)
            return
        if "SharedKey" not in modes:
            raise auth.mode_disabled(account_name, "SharedKey")
        auth.verify_shared_key(
            method=request.method,
            path=request.path,
            query=request.query,
            headers=request.headers,
            url_account=account_name,
            current_keys=doc["keys"].values(),
            now=self.ctx.now(),
        )

    def list_supported_images(self, request: Request) -> Response:
        account = self._account(request)
        images = _filtered(catalog.supported_images(), request.query.get("$filter"), _IMAGE_FILTERABLE)
        return self._ok(_paged(images, request, self._base_url(account)), request)

    def list_node_counts(self, request: Request) -> Response:
        account = self._account(request)
        from batch_infra.emulator.services.private_link.node_management import unreachable_because

        counts = [
            views.node_counts(
                doc["resource"], unusable=unreachable_because(self.ctx, account, doc["resource"])
            )
            for doc in pools.list_pools(self.ctx, account)
        ]
        return self._ok(_paged(counts, request, self._base_url(account)), request)

    def list_pools(self, request: Request) -> Response:
        account = self._account(request)
        found = [self._view(account, doc["resource"]) for doc in pools.list_pools(self.ctx, account)]
        return self._ok(_paged(found, request, self._base_url(account)), request)

    def get_pool(self, request: Request) -> Response:
        account = self._account(request)
        resource = pools.get(self.ctx, account, request.params["pool"])["resource"]
        self._preconditions(request, resource)
        return self._ok(self._view(account, resource), request, resource)

    def pool_exists(self, request: Request) -> Response:
        account = self._account(request)
        try:
            resource = pools.get(self.ctx, account, request.params["pool"])["resource"]
        except AzureError as err:
            if err.status == 404:
                return Response(404, None, self._headers(request))
            raise
        return Response(200, None, self._headers(request, resource))

    def delete_pool(self, request: Request) -> Response:
        account = self._account(request)
        resource = pools.get(self.ctx, account, request.params["pool"])["resource"]
        self._preconditions(request, resource)
        pools.delete(self.ctx, pools.mark_deleting(self.ctx, account, request.params["pool"]))
        return Response(202, None, self._headers(request))

    def enable_autoscale(self, request: Request) -> Response:
        account = self._account(request)
        body = common.require_object(request.json(), "enableautoscale")
        current = pools.get(self.ctx, account, request.params["pool"])["resource"]
        self._preconditions(request, current)
        interval = body.get("autoScaleEvaluationInterval")
        if interval is not None:
            _check_interval(interval)
        formula = body.get(
            "autoScaleFormula", (current["properties"]["scaleSettings"].get("autoScale") or {}).get("formula")
        )
        resource = pools.enable_autoscale(
            self.ctx, account, request.params["pool"], formula, interval, "autoScaleFormula"
        )
        return Response(200, None, self._headers(request, resource))

    def disable_autoscale(self, request: Request) -> Response:
        resource = pools.disable_autoscale(self.ctx, self._account(request), request.params["pool"])
        return Response(200, None, self._headers(request, resource))

    def evaluate_autoscale(self, request: Request) -> Response:
        body = common.require_object(request.json(), "evaluateautoscale")
        if "autoScaleFormula" not in body:
            raise AzureError(
                400, "MissingRequiredProperty", "autoScaleFormula is required.", target="autoScaleFormula"
            )
        run = pools.evaluate(
            self.ctx,
            self._account(request),
            request.params["pool"],
            body["autoScaleFormula"],
            "autoScaleFormula",
        )
        body: dict[str, Any] = {"timestamp": common.iso(self.ctx.now()), "results": run.results}
        if run.error:
            body["error"] = run.error
        return self._ok(body, request)

    def stop_resize(self, request: Request) -> Response:
        account = self._account(request)
        self._preconditions(request, pools.get(self.ctx, account, request.params["pool"])["resource"])
        resource = pools.stop_resize(self.ctx, account, request.params["pool"])
        return Response(202, None, self._headers(request, resource))

    # --- helpers --------------------------------------------------------------------------------------------
    def _account_doc(self, location: str, name: str) -> dict[str, Any]:
        found = common.find_accounts(self.ctx, name, location)
        if not found:
            raise AzureError(
                404,
                "AccountNotFound",
                f"The Batch account '{name}' does not exist in region '{location}'; use the accountEndpoint "
                "the management API returns for the account.",
            )
        return found[0]

    def _account(self, request: Request) -> dict[str, Any]:
        return self._account_doc(request.params["location"], request.params["account"])["resource"]

    def _endpoint(self, account: dict[str, Any]) -> str:
        """This process's endpoint of the account, never a stored one (ports change across restarts)."""
        return self.ctx.data_plane_endpoint(account["name"], account["location"])

    def _base_url(self, account: dict[str, Any]) -> str:
        return "https://" + self._endpoint(account)

    def _view(self, account: dict[str, Any], resource: dict[str, Any]) -> dict[str, Any]:
        return views.pool(resource, self._endpoint(account))

    def _preconditions(self, request: Request, resource: dict[str, Any]) -> None:
        etag = views.data_etag(resource["etag"])
        if_match, if_none = request.headers.get("if-match"), request.headers.get("if-none-match")
        if if_match not in (None, "*") and if_match.strip('"') != etag:
            raise AzureError(
                412,
                "ConditionNotMet",
                f"The ETag in If-Match ({if_match}) is not the pool's current "
                f"ETag ({etag}); get the pool again and retry.",
            )
        if if_none is not None and (if_none == "*" or if_none.strip('"') == etag):
            raise AzureError(412, "ConditionNotMet", "The pool matches If-None-Match.")

    def _headers(self, request: Request, resource: dict[str, Any] | None = None) -> dict[str, str]:
        headers = {}
        if request.headers.get("return-client-request-id", "").lower() == "true":
            headers["client-request-id"] = request.headers.get("client-request-id", "")
        if resource is not None:
            headers["ETag"] = views.data_etag(resource["etag"])
            headers["Last-Modified"] = _http_date(resource["properties"]["lastModified"])
            headers["DataServiceId"] = views.pool(resource, "")["url"].removeprefix("https://")
        return headers

    def _ok(self, body: Any, request: Request, resource: dict[str, Any] | None = None) -> Response:
        return Response(200, body, self._headers(request, resource))


def _filtered(items: list[dict[str, Any]], expression: str | None, allowed: set[str]) -> list[dict[str, Any]]:
    """OData $filter of `field eq 'value'` terms joined by `and`; anything else is Azure's 400."""
    if not expression:
        return items
    for term in re.split(r"\s+and\s+", expression.strip()):
        found = _FILTER_TERM.match(term)
        if not found or found.group(1) not in allowed:
            raise AzureError(
                400,
                "InvalidQueryParameterValue",
                f"The $filter term '{term}' is not supported; use "
                f"<field> eq '<value>' with fields {', '.join(sorted(allowed))}.",
                target="$filter",
            )
        items = [i for i in items if str(i.get(found.group(1), "")).lower() == found.group(2).lower()]
    return items


def _paged(items: list[dict[str, Any]], request: Request, base_url: str) -> dict[str, Any]:
    """A page of `maxresults` items (default 1000) from `$skiptoken`, with odata.nextLink if more remain."""
    size = _query_int(request, "maxresults", 1000, 1, 1000)
    start = _query_int(request, "$skiptoken", 0, 0, len(items))
    body: dict[str, Any] = {"value": items[start : start + size]}
    if start + size < len(items):
        query = {k: v for k, v in request.query.items() if k not in ("$skiptoken", "api-version")}
        query["$skiptoken"] = str(start + size)
        encoded = "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
        body["odata.nextLink"] = f"{base_url}{_tail(request)}?{encoded}"
    return body


def _tail(request: Request) -> str:
    """The list's own path segment after the account prefix (pools, supportedimages, nodecounts)."""
    return "/" + request.path.rstrip("/").rsplit("/", 1)[-1]


def _query_int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise AzureError(
            400,
            "InvalidQueryParameterValue",
            f"{name} must be an integer from {low} to {high}, not {raw!r}.",
            target=name,
        )
    return int(raw)


def _check_interval(interval: Any) -> None:
    found = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?", str(interval))
    seconds = None
    if found and any(found.groups()):
        d, h, m, s = (float(g or 0) for g in found.groups())
        seconds = d * 86400 + h * 3600 + m * 60 + s
    if seconds is None or not _MIN_INTERVAL <= seconds <= _MAX_INTERVAL:
        raise AzureError(
            400,
            "InvalidPropertyValue",
            f"autoScaleEvaluationInterval '{interval}' must be an ISO 8601 "
            "duration from 5 minutes to 168 hours.",
            target="autoScaleEvaluationInterval",
        )


def _http_date(iso_text: str) -> str:
    return format_datetime(datetime.fromisoformat(iso_text.replace("Z", "+00:00")), usegmt=True)
