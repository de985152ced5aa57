"""URL routing: each service registers (method, path regex, api-versions, envelope, handler) routes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from batch_infra.emulator.errors import AzureError, Envelope
from batch_infra.emulator.http import Request, Response

Handler = Callable[[Request], Response]

# Path fragments shared by the ARM services, with named groups the handlers read from request.params.
SUB = r"/subscriptions/(?P<subscription>[^/]+)"
RG = SUB + r"/resourceGroups/(?P<resource_group>[^/]+)"


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    api_versions: frozenset[str]  # accepted api-version values; empty means none is required
    envelope: Envelope  # how errors on this route are rendered
    # "bearer" (ARM), "batch" (SharedKey or bearer, data plane), "keyvault" (bearer, KV challenge),
    # "storage" (the handler checks, answering in Storage's XML)
    auth: str


class Router:
    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(
        self,
        method: str,
        path: str,
        handler: Handler,
        *,
        api_versions: Iterable[str],
        envelope: Envelope = "arm",
        auth: str = "bearer",
    ) -> None:
        """Register `path` (a regex over the whole URL path, case-insensitive like ARM) for `method`."""
        pattern = re.compile(path + r"/?\Z", re.IGNORECASE)
        self._routes.append(Route(method.upper(), pattern, handler, frozenset(api_versions), envelope, auth))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route for this request, or Azure's 404/405 as an AzureError."""
        path_matched = False
        for route in self._routes:
            found = route.pattern.match(path)
            if not found:
                continue
            path_matched = True
            if route.method == method.upper():
                return route, found.groupdict()
        if path_matched:
            raise AzureError(405, "MethodNotAllowed", f"The method '{method}' is not allowed on '{path}'.")
        raise AzureError(404, "NotFound", f"No emulated Azure API matches '{method} {path}'.")

    @staticmethod
    def check_api_version(route: Route, request: Request) -> None:
        """Azure's 400 for a missing or unsupported api-version, in the route's own service's words."""
        if not route.api_versions:
            return
        version = request.api_version
        supported = ", ".join(sorted(route.api_versions))
        if route.envelope == "batch":
            _check_batch_api_version(version, supported, route.api_versions)
            return
        if version is None:
            raise AzureError(400, "MissingApiVersionParameter",
                             "The api-version query parameter (?api-version=) is required for all requests.")
        if version not in route.api_versions:
            raise AzureError(400, "InvalidApiVersionParameter",
                             f"The api-version '{version}' is invalid. "
                             f"The supported versions are '{supported}'.")


def _check_batch_api_version(version: str | None, supported: str, accepted: frozenset[str]) -> None:
    """The Batch service's query-parameter errors, `values` naming the parameter (Batch error codes doc)."""
    name = {"target": "QueryParameterName", "message": "api-version"}
    if version is None:
        raise AzureError(
            400,
            "MissingRequiredQueryParameter",
            "A query parameter that's mandatory for this request is not specified.",
            details=[name, {"target": "Reason", "message": f"Add ?api-version={supported}."}],
        )
    if version not in accepted:
        raise AzureError(
            400,
            "InvalidQueryParameterValue",
            "Value for one of the query parameters specified in the request URI is invalid.",
            details=[
                name,
                {"target": "QueryParameterValue", "message": version},
                {"target": "Reason", "message": f"The supported versions are '{supported}'."},
            ],
        )
