"""URL routing: each service registers (method, path regex, api-versions, envelope, handler) routes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from batch_infra.emulator import api_versions as published
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
    # The ARM resource type whose published api-versions the route accepts (api_versions.json); an unknown
    # version is then NoRegisteredProviderFound, as ARM answers for a provider's type.
    resource_type: str | None = None


class Router:
    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(
        self,
        method: str,
        path: str,
        handler: Handler,
        *,
        api_versions: Iterable[str] | None = None,
        resource_type: str | None = None,
        envelope: Envelope = "arm",
        auth: str = "bearer",
    ) -> None:
        """Register `path` (a regex over the whole URL path, case-insensitive like ARM) for `method`,
        accepting `api_versions`, or every version api_versions.json publishes for `resource_type`."""
        if api_versions is None:
            if resource_type is None:
                raise ValueError(f"route {method} {path}: give api_versions or a resource_type")
            api_versions = published.versions(resource_type)
        pattern = re.compile(path + r"/?\Z", re.IGNORECASE)
        accepted = frozenset(api_versions)
        self._routes.append(Route(method.upper(), pattern, handler, accepted, envelope, auth, resource_type))

    def add_resource(
        self, path: str, resource_type: str, put: Handler, get: Handler, delete: Handler
    ) -> None:
        """PUT, GET and DELETE on one ARM resource's path, at every published version of `resource_type`."""
        for method, handler in (("PUT", put), ("GET", get), ("DELETE", delete)):
            self.add(method, path, handler, resource_type=resource_type)

    def routes(self) -> list[Route]:
        return list(self._routes)

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
    def check_api_version(
        route: Route,
        request: Request,
        location: Callable[[], str] = lambda: "global",
        locations: Iterable[str] = (),
    ) -> None:
        """Azure's 400 for a missing or unsupported api-version, in the route's own service's words
        (NoRegisteredProviderFound names where the request's resource lives and the served `locations`)."""
        if not route.api_versions:
            return
        version = request.api_version
        supported = ", ".join(sorted(route.api_versions))
        if route.envelope == "batch":
            _check_batch_api_version(version, supported, route.api_versions)
            return
        if version is None:
            raise AzureError(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        if version not in route.api_versions and route.resource_type is not None:
            raise published.refusal(route.resource_type, version, location(), sorted(locations))
        if version not in route.api_versions:
            raise AzureError(
                400,
                "InvalidApiVersionParameter",
                f"The api-version '{version}' is invalid. The supported versions are '{supported}'.",
            )


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
