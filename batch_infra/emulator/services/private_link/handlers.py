"""HTTP handlers: private endpoints, zone groups, private DNS zones, VNet links, Batch private link views."""

from __future__ import annotations

from typing import Any

from batch_infra.emulator import arm
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.http import Request, Response
from batch_infra.emulator.services.private_link import batch_views, dns, models

PROVIDER = "Microsoft.Network"


class PrivateLinkHandlers:
    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        ctx.lro.completer("private_link_put", self._complete_put)
        ctx.lro.completer("private_link_delete", self._complete_delete)

    def _group(self, request: Request) -> tuple[str, str]:
        arm.require_resource_group(self.ctx, request)
        return self.ctx.subscription_id, request.params["resource_group"]

    def _key(self, request: Request, kind: str, name_param: str) -> str:
        return models.resource_id(*self._group(request), kind, request.params[name_param])

    def _accepted_put(
        self, request: Request, collection: str, doc: dict[str, Any], created: bool
    ) -> Response:
        headers = self.ctx.lro.begin(
            "private_link_put",
            {"collection": collection, "id": doc["id"]},
            provider=PROVIDER,
            api_version=request.api_version,
            location_header=False,
            async_header=True,
        )
        return Response(201 if created else 200, self._view(collection, doc), headers)

    def _view(self, collection: str, doc: dict[str, Any]) -> dict[str, Any]:
        return dns.zone_view(self.ctx, doc) if collection == models.ZONES else models.public(doc)

    def _complete_put(self, subject: dict[str, Any]) -> Response:
        with self.ctx.state.transaction() as state:
            doc = state.get(subject["collection"], subject["id"])
            if doc is None:
                return Response(200)
            doc["properties"]["provisioningState"] = "Succeeded"
            state.put(subject["collection"], subject["id"], doc)
        return Response(200, self._view(subject["collection"], doc))

    def _accepted_delete(self, request: Request, collection: str, key: str) -> Response:
        return arm.accepted_delete(self.ctx, request, "private_link_delete", PROVIDER, collection, key)

    def _complete_delete(self, subject: dict[str, Any]) -> Response:
        collection, key = subject["collection"], subject["id"]
        if collection == models.ENDPOINTS:
            models.delete_endpoint(self.ctx, key)
        elif collection == models.ZONE_GROUPS:
            models.delete_zone_group(self.ctx, key)
        else:
            self.ctx.state.delete(collection, key)
        return Response(200)

    def _read(self, request: Request, collection: str, key: str, kind: str, name: str) -> Response:
        doc = models.get(self.ctx, collection, key, kind, name, request.params["resource_group"])
        return Response(200, self._view(collection, doc))

    # private endpoints
    def put_endpoint(self, request: Request) -> Response:
        doc, created = models.put_endpoint(
            self.ctx, *self._group(request), request.params["endpoint"], arm.body_object(request)
        )
        return self._accepted_put(request, models.ENDPOINTS, doc, created)

    def get_endpoint(self, request: Request) -> Response:
        key = self._key(request, models.ENDPOINT_TYPE, "endpoint")
        return self._read(request, models.ENDPOINTS, key, models.ENDPOINT_TYPE, request.params["endpoint"])

    def delete_endpoint(self, request: Request) -> Response:
        return self._accepted_delete(
            request, models.ENDPOINTS, self._key(request, models.ENDPOINT_TYPE, "endpoint")
        )

    # DNS zone groups
    def _zone_group_key(self, request: Request) -> str:
        endpoint = self._key(request, models.ENDPOINT_TYPE, "endpoint")
        return f"{endpoint}/privateDnsZoneGroups/{request.params['zone_group']}"

    def put_zone_group(self, request: Request) -> Response:
        endpoint = self._key(request, models.ENDPOINT_TYPE, "endpoint")
        doc, created = models.put_zone_group(
            self.ctx, endpoint, request.params["zone_group"], arm.body_object(request)
        )
        return self._accepted_put(request, models.ZONE_GROUPS, doc, created)

    def get_zone_group(self, request: Request) -> Response:
        name = f"{request.params['endpoint']}/{request.params['zone_group']}"
        return self._read(
            request, models.ZONE_GROUPS, self._zone_group_key(request), models.ZONE_GROUP_TYPE, name
        )

    def delete_zone_group(self, request: Request) -> Response:
        return self._accepted_delete(request, models.ZONE_GROUPS, self._zone_group_key(request))

    # private DNS zones
    def put_zone(self, request: Request) -> Response:
        doc, created = dns.put_zone(
            self.ctx, *self._group(request), request.params["zone"], arm.body_object(request)
        )
        return self._accepted_put(request, models.ZONES, doc, created)

    def get_zone(self, request: Request) -> Response:
        key = self._key(request, models.ZONE_TYPE, "zone")
        return self._read(request, models.ZONES, key, models.ZONE_TYPE, request.params["zone"])

    def delete_zone(self, request: Request) -> Response:
        key = self._key(request, models.ZONE_TYPE, "zone")
        dns.check_zone_deletable(self.ctx, key)
        return self._accepted_delete(request, models.ZONES, key)

    # virtual network links
    def _link_key(self, request: Request) -> str:
        return f"{self._key(request, models.ZONE_TYPE, 'zone')}/virtualNetworkLinks/{request.params['link']}"

    def put_link(self, request: Request) -> Response:
        zone = self._key(request, models.ZONE_TYPE, "zone")
        doc, created = dns.put_link(self.ctx, zone, request.params["link"], arm.body_object(request))
        return self._accepted_put(request, models.LINKS, doc, created)

    def get_link(self, request: Request) -> Response:
        name = f"{request.params['zone']}/{request.params['link']}"
        return self._read(request, models.LINKS, self._link_key(request), models.LINK_TYPE, name)

    def delete_link(self, request: Request) -> Response:
        return self._accepted_delete(request, models.LINKS, self._link_key(request))

    # Batch account views
    def list_link_resources(self, request: Request) -> Response:
        account = batch_views.account(self.ctx, *self._group(request), request.params["account_name"])
        return Response(200, {"value": batch_views.link_resources(account)})

    def get_link_resource(self, request: Request) -> Response:
        account = batch_views.account(self.ctx, *self._group(request), request.params["account_name"])
        return Response(200, batch_views.link_resource(account, request.params["resource"]))

    def list_connections(self, request: Request) -> Response:
        account = batch_views.account(self.ctx, *self._group(request), request.params["account_name"])
        return Response(200, {"value": batch_views.connections(self.ctx, account)})

    def get_connection(self, request: Request) -> Response:
        account = batch_views.account(self.ctx, *self._group(request), request.params["account_name"])
        return Response(200, batch_views.connection(self.ctx, account, request.params["connection"]))
