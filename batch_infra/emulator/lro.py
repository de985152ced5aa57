"""Long-running operations the way ARM runs them: 201/202 plus Location or Azure-AsyncOperation URLs to poll.

A service starts an operation with `ctx.lro.begin(kind, subject, ...)` and returns the headers it gets back;
it registers, once, a completer for `kind` that applies the outcome (e.g. marks a resource Succeeded or
deletes it) and returns the final response. The operation stays "InProgress" for `settings["lro_polls"]`
polls, then the completer runs exactly once and every later poll repeats its outcome. Operations live in
state (collection "operations"), so an emulator restarted with the same `--state` can finish them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.http import Request, Response
from batch_infra.emulator.routing import SUB, Router

if TYPE_CHECKING:
    from batch_infra.emulator.context import EmulatorContext

Completer = Callable[[dict[str, Any]], Response]  # the operation's `subject` -> final response

COLLECTION = "operations"
_OPS = SUB + r"/providers/(?P<provider>[^/]+)/locations/(?P<location>[^/]+)"


class Operations:
    def __init__(self, ctx: EmulatorContext) -> None:
        self._ctx = ctx
        self._completers: dict[str, Completer] = {}

    def completer(self, kind: str, complete: Completer) -> None:
        """Register what finishing an operation of `kind` does (raise AzureError to fail it)."""
        self._completers[kind] = complete

    def begin(
        self,
        kind: str,
        subject: dict[str, Any],
        *,
        provider: str,
        api_version: str | None,
        location_header: bool = True,
        async_header: bool = False,
    ) -> dict[str, str]:
        """Record a new operation; returns its headers (Location, Azure-AsyncOperation, Retry-After)."""
        if kind not in self._completers:
            raise RuntimeError(f"no LRO completer registered for kind {kind!r}; call ctx.lro.completer first")
        op_id = str(uuid.uuid4())
        self._ctx.state.put(
            COLLECTION,
            op_id,
            {
                "id": op_id,
                "kind": kind,
                "subject": subject,
                "polls": 0,
                "done": False,
                "startTime": self._ctx.now().isoformat(),
                "result": None,
            },
        )
        base = (
            f"{self._ctx.arm_endpoint}/subscriptions/{self._ctx.subscription_id}/providers/{provider}"
            f"/locations/{self._ctx.location}"
        )
        query = f"?api-version={api_version}" if api_version else ""
        headers = {"Retry-After": str(self._ctx.settings.get("lro_retry_after", 0))}
        if location_header:
            headers["Location"] = f"{base}/operationResults/{op_id}{query}"
        if async_header:
            headers["Azure-AsyncOperation"] = f"{base}/operations/{op_id}{query}"
        return headers

    def register_routes(self, router: Router) -> None:
        router.add(
            "GET", _OPS + r"/operationResults/(?P<operation>[^/]+)", self._poll_result, api_versions=()
        )
        router.add(
            "GET", _OPS + r"/operations/(?P<operation>[0-9a-f-]{36})", self._poll_status, api_versions=()
        )

    def _advance(self, op_id: str) -> dict[str, Any]:
        with self._ctx.state.transaction() as state:
            op = state.get(COLLECTION, op_id)
            if op is None:
                raise AzureError(404, "OperationNotFound", f"The operation '{op_id}' was not found.")
            if op["done"]:
                return op
            op["polls"] += 1
            if op["polls"] > int(self._ctx.settings.get("lro_polls", 1)):
                op["result"] = self._complete(op)
                op["done"] = True
                op["endTime"] = self._ctx.now().isoformat()
            state.put(COLLECTION, op_id, op)
            return op

    def _complete(self, op: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._completers[op["kind"]](op["subject"])
        except AzureError as err:
            return {"status": err.status, "error": err.body("arm")["error"]}
        return {"status": response.status, "body": response.body}

    def _in_progress_headers(self, request: Request) -> dict[str, str]:
        return {"Retry-After": str(self._ctx.settings.get("lro_retry_after", 0))}

    def _poll_result(self, request: Request) -> Response:
        """The Location URL: 202 while running, then the final response (or the failure) of the operation."""
        op = self._advance(request.params["operation"])
        if not op["done"]:
            headers = self._in_progress_headers(request)
            headers["Location"] = f"{self._ctx.arm_endpoint}{request.path}" + (
                f"?api-version={request.api_version}" if request.api_version else ""
            )
            return Response(202, None, headers)
        result = op["result"]
        if "error" in result:
            raise AzureError(result["status"], result["error"]["code"], result["error"]["message"])
        return Response(result["status"], result.get("body"))

    def _poll_status(self, request: Request) -> Response:
        """The Azure-AsyncOperation URL: an operation status document (InProgress, Succeeded or Failed)."""
        op = self._advance(request.params["operation"])
        body: dict[str, Any] = {
            "id": f"{self._ctx.arm_endpoint}{request.path}",
            "name": op["id"],
            "startTime": op["startTime"],
        }
        if not op["done"]:
            body["status"] = "InProgress"
            return Response(200, body, self._in_progress_headers(request))
        body["endTime"] = op["endTime"]
        if "error" in op["result"]:
            body["status"] = "Failed"
            body["error"] = op["result"]["error"]
        else:
            body["status"] = "Succeeded"
        return Response(200, body)
