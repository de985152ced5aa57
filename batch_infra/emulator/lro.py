"""Long-running operations the way ARM runs them: 201/202 plus Location or Azure-AsyncOperation URLs to poll.

A service starts an operation with `ctx.lro.begin(kind, subject, ...)` and returns the headers it gets back;
it registers, once, a completer for `kind` that applies the outcome (e.g. marks a resource Succeeded or
deletes it) and returns the final response. An operation finishes when the emulator's clock passes its
start + `settings["lro_delay_seconds"]`, whoever looks first: `settle()` runs before every Azure API request
(a GET of the resource, a list, a write, a poll), so there is no timer thread and polling is only a report,
exactly as on Azure, where a resource finishes whether or not anyone polls. Operations live in state
(collection "operations"), so an emulator restarted with the same `--state` finishes them too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.http import Request, Response
from batch_infra.emulator.routing import SUB, Router

if TYPE_CHECKING:
    from batch_infra.emulator.context import EmulatorContext

Completer = Callable[[dict[str, Any]], Response]  # the operation's `subject` -> final response
Reader = Callable[[dict[str, Any]], Response]  # `subject` -> final response, built when served

COLLECTION = "operations"
_OPS = SUB + r"/providers/(?P<provider>[^/]+)/locations/(?P<location>[^/]+)"


class Operations:
    def __init__(self, ctx: EmulatorContext) -> None:
        self._ctx = ctx
        self._completers: dict[str, Completer] = {}
        self._readers: dict[str, Reader] = {}
        # op id -> due POSIX time; loaded from state on first use
        self._pending: dict[str, float] | None = None

    def completer(self, kind: str, complete: Completer, *, reader: Reader | None = None) -> None:
        """Register what finishing an operation of `kind` does (raise AzureError to fail it).

        `reader`, when given, builds the final response each time a poll asks for it, so an answer that
        depends on this process (host:port, SAS) is never stored with the operation.
        """
        self._completers[kind] = complete
        if reader is not None:
            self._readers[kind] = reader

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
        started = self._ctx.now()
        due = started + timedelta(seconds=float(self._ctx.settings.get("lro_delay_seconds", 0.0)))
        with self._ctx.state.transaction() as state:
            state.put(
                COLLECTION,
                op_id,
                {
                    "id": op_id,
                    "kind": kind,
                    "subject": subject,
                    "done": False,
                    "startTime": started.isoformat(),
                    "dueTime": due.isoformat(),
                    "result": None,
                },
            )
            self._pending_ops()[op_id] = due.timestamp()
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

    def settle(self) -> None:
        """Finish, oldest first, every operation whose start + delay the emulator's clock has passed."""
        if self._pending == {}:  # the hot path of every request: nothing is running
            return
        with self._ctx.state.transaction():
            pending = self._pending_ops()
            now = self._ctx.now().timestamp()
            for _, op_id in sorted((due, op_id) for op_id, due in pending.items() if due <= now):
                pending.pop(op_id)  # first: a completer bug must surface once (500), not on every request
                self._finish(op_id)

    def forget(self) -> None:
        """State was reset: reload the running operations from state when next needed."""
        self._pending = None

    def register_routes(self, router: Router) -> None:
        router.add(
            "GET", _OPS + r"/operationResults/(?P<operation>[^/]+)", self._poll_result, api_versions=()
        )
        router.add(
            "GET", _OPS + r"/operations/(?P<operation>[0-9a-f-]{36})", self._poll_status, api_versions=()
        )

    def _pending_ops(self) -> dict[str, float]:
        if self._pending is None:
            self._pending = {
                op["id"]: datetime.fromisoformat(op["dueTime"]).timestamp()
                for _, op in self._ctx.state.items(COLLECTION)
                if not op["done"]
            }
        return self._pending

    def _finish(self, op_id: str) -> None:
        op = self._ctx.state.get(COLLECTION, op_id)
        if op is None or op["done"]:
            return
        op["result"] = self._complete(op)
        op["done"] = True
        op["endTime"] = self._ctx.now().isoformat()
        self._ctx.state.put(COLLECTION, op_id, op)

    def _complete(self, op: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._completers[op["kind"]](op["subject"])
        except AzureError as err:
            return {"status": err.status, "error": err.body("arm")["error"]}
        if op["kind"] in self._readers:
            return {"status": response.status, "read": True}
        return {"status": response.status, "body": response.body}

    def _lookup(self, op_id: str) -> dict[str, Any]:
        op = self._ctx.state.get(COLLECTION, op_id)
        if op is None:
            raise AzureError(404, "OperationNotFound", f"The operation '{op_id}' was not found.")
        return op

    def _in_progress_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self._ctx.settings.get("lro_retry_after", 0))}

    def _poll_result(self, request: Request) -> Response:
        """The Location URL: 202 while running, then the final response (or the failure) of the operation."""
        op = self._lookup(request.params["operation"])
        if not op["done"]:
            headers = self._in_progress_headers()
            headers["Location"] = f"{self._ctx.arm_endpoint}{request.path}" + (
                f"?api-version={request.api_version}" if request.api_version else ""
            )
            return Response(202, None, headers)
        result = op["result"]
        if "error" in result:
            raise AzureError(result["status"], result["error"]["code"], result["error"]["message"])
        if result.get("read"):
            return self._readers[op["kind"]](op["subject"])
        return Response(result["status"], result.get("body"))

    def _poll_status(self, request: Request) -> Response:
        """The Azure-AsyncOperation URL: an operation status document (InProgress, Succeeded or Failed)."""
        op = self._lookup(request.params["operation"])
        body: dict[str, Any] = {
            "id": f"{self._ctx.arm_endpoint}{request.path}",
            "name": op["id"],
            "startTime": op["startTime"],
        }
        if not op["done"]:
            body["status"] = "InProgress"
            return Response(200, body, self._in_progress_headers())
        body["endTime"] = op["endTime"]
        if "error" in op["result"]:
            body["status"] = "Failed"
            body["error"] = op["result"]["error"]
        else:
            body["status"] = "Succeeded"
        return Response(200, body)
