"""HTTP handlers for VNets, subnets and NSGs: create via Azure-AsyncOperation, get, long-running delete."""

from __future__ import annotations

from typing import Any

from batch_infra.emulator import arm
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.http import Request, Response
from batch_infra.emulator.services.network import models

PROVIDER = "Microsoft.Network"


class NetworkHandlers:
    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        ctx.lro.completer("network_put", self._complete_put)
        ctx.lro.completer("network_delete", self._complete_delete)

    def _group(self, request: Request) -> tuple[str, str]:
        arm.require_resource_group(self.ctx, request)
        return self.ctx.subscription_id, request.params["resource_group"]

    def _accepted_put(
        self, request: Request, collection: str, doc: dict[str, Any], created: bool
    ) -> Response:
        headers = self.ctx.lro.begin(
            "network_put",
            {"collection": collection, "id": doc["id"]},
            provider=PROVIDER,
            api_version=request.api_version,
            location_header=False,
            async_header=True,
        )
        return Response(201 if created else 200, doc, headers)

    def _complete_put(self, subject: dict[str, Any]) -> Response:
        return Response(200, models.finish(self.ctx, subject["collection"], subject["id"]))

    def _accepted_delete(self, request: Request, collection: str, key: str) -> Response:
        return arm.accepted_delete(self.ctx, request, "network_delete", PROVIDER, collection, key)

    def _complete_delete(self, subject: dict[str, Any]) -> Response:
        models.delete(self.ctx, subject["collection"], subject["id"])
        return Response(200)

    # virtual networks
    def put_vnet(self, request: Request) -> Response:
        subscription, group = self._group(request)
        name = request.params["vnet"]
        _doc, created = models.put_vnet(self.ctx, subscription, group, name, arm.body_object(request))
        return self._accepted_put(
            request, models.VNETS, models.get_vnet(self.ctx, subscription, group, name), created
        )

    def get_vnet(self, request: Request) -> Response:
        return Response(200, models.get_vnet(self.ctx, *self._group(request), request.params["vnet"]))

    def delete_vnet(self, request: Request) -> Response:
        return self._accepted_delete(
            request, models.VNETS, models.vnet_id(*self._group(request), request.params["vnet"])
        )

    # subnets
    def put_subnet(self, request: Request) -> Response:
        doc, created = models.put_subnet(
            self.ctx,
            *self._group(request),
            request.params["vnet"],
            request.params["subnet"],
            arm.body_object(request),
        )
        return self._accepted_put(request, models.SUBNETS, doc, created)

    def get_subnet(self, request: Request) -> Response:
        return Response(
            200,
            models.get_subnet(
                self.ctx, *self._group(request), request.params["vnet"], request.params["subnet"]
            ),
        )

    def delete_subnet(self, request: Request) -> Response:
        subscription, group = self._group(request)
        models.get_vnet(self.ctx, subscription, group, request.params["vnet"])
        vnet_key = models.vnet_id(subscription, group, request.params["vnet"])
        key = f"{vnet_key}/subnets/{request.params['subnet']}"
        return self._accepted_delete(request, models.SUBNETS, key)

    # network security groups
    def put_nsg(self, request: Request) -> Response:
        doc, created = models.put_nsg(
            self.ctx, *self._group(request), request.params["nsg"], arm.body_object(request)
        )
        return self._accepted_put(request, models.NSGS, doc, created)

    def get_nsg(self, request: Request) -> Response:
        return Response(200, models.get_nsg(self.ctx, *self._group(request), request.params["nsg"]))

    def delete_nsg(self, request: Request) -> Response:
        subscription, group = self._group(request)
        key = models.nsg_id(subscription, group, request.params["nsg"])
        if self.ctx.state.get(models.NSGS, key) is not None:
            models.check_nsg_unused(
                self.ctx, models.get_nsg(self.ctx, subscription, group, request.params["nsg"])
            )
        return self._accepted_delete(request, models.NSGS, key)
