"""Microsoft.Batch management handlers: parse ARM requests, call the models, serialize Azure's responses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from batch_infra.emulator import arm, blobs, catalog, redaction, specs
from batch_infra.emulator.context import EmulatorContext
from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.http import Request, Response
from batch_infra.emulator.services.batch_mgmt.models import (
    account_keys,
    accounts,
    applications,
    auto_storage_keys,
    common,
    pools,
)

API_VERSION = "2025-06-01"
STORAGE_ACCOUNTS = "storage_accounts"  # Microsoft.Storage's state collection, keyed by lower-cased ARM id
LRO_CREATE_ACCOUNT = "batch.account.create"
LRO_DELETE_ACCOUNT = "batch.account.delete"
LRO_DELETE_POOL = "batch.pool.delete"


class BatchManagement:
    """One instance per emulator; every public method is a route handler."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.secrets = redaction.for_spec(specs.BATCH_MGMT)  # walked once, before the first request
        # The final answer is read when polled: it carries accountEndpoint, this process's host:port.
        ctx.lro.completer(LRO_CREATE_ACCOUNT, self._finish_create, reader=self._read_created)
        ctx.lro.completer(LRO_DELETE_ACCOUNT, self._finish_account_delete)
        ctx.lro.completer(LRO_DELETE_POOL, self._finish_pool_delete)

    # --- accounts -------------------------------------------------------------------------------------------
    def create_account(self, request: Request) -> Response:
        arm.require_resource_group(self.ctx, request)
        body = arm.body_object(request)
        arm.check_tags(body)
        if isinstance(body.get("location"), str):
            body["location"] = arm.normalize_location(body["location"])
        resource, _ = accounts.create(
            self.ctx,
            self.ctx.subscription_id,
            request.params["resource_group"],
            request.params["account"],
            body,
            self._storage_exists,
        )
        headers = self.ctx.lro.begin(
            LRO_CREATE_ACCOUNT,
            {"key": resource["id"]},
            provider=common.PROVIDER,
            api_version=request.api_version,
        )
        return Response(202, None, headers)

    def get_account(self, request: Request) -> Response:
        return Response(200, accounts.served(self.ctx, self._account(request)))

    def update_account(self, request: Request) -> Response:
        self._account_doc(request)
        body = arm.body_object(request)
        arm.check_tags(body)
        resource = accounts.update(
            self.ctx,
            self.ctx.subscription_id,
            request.params["resource_group"],
            request.params["account"],
            body,
            self._storage_exists,
        )
        return Response(200, accounts.served(self.ctx, resource))

    def delete_account(self, request: Request) -> Response:
        arm.check_subscription(self.ctx, request)
        key = accounts.mark_deleting(
            self.ctx, self.ctx.subscription_id, request.params["resource_group"], request.params["account"]
        )
        headers = self.ctx.lro.begin(
            LRO_DELETE_ACCOUNT, {"key": key}, provider=common.PROVIDER, api_version=request.api_version
        )
        return Response(202, None, headers)

    def list_accounts(self, request: Request) -> Response:
        arm.check_subscription(self.ctx, request)
        return self._accounts_page(accounts.list_accounts(self.ctx, self.ctx.subscription_id))

    def list_accounts_by_group(self, request: Request) -> Response:
        arm.require_resource_group(self.ctx, request)
        found = accounts.list_accounts(self.ctx, self.ctx.subscription_id, request.params["resource_group"])
        return self._accounts_page(found)

    def list_keys(self, request: Request) -> Response:
        arm.check_subscription(self.ctx, request)
        return Response(
            200,
            account_keys.keys(
                self.ctx,
                self.ctx.subscription_id,
                request.params["resource_group"],
                request.params["account"],
            ),
        )

    def regenerate_key(self, request: Request) -> Response:
        arm.check_subscription(self.ctx, request)
        return Response(
            200,
            account_keys.regenerate_key(
                self.ctx,
                self.ctx.subscription_id,
                request.params["resource_group"],
                request.params["account"],
                request.json(),
            ),
        )

    def sync_auto_storage_keys(self, request: Request) -> Response:
        arm.check_subscription(self.ctx, request)
        account_keys.sync_auto_storage_keys(
            self.ctx, self.ctx.subscription_id, request.params["resource_group"], request.params["account"]
        )
        return Response(204)

    # --- locations ------------------------------------------------------------------------------------------
    def location_quotas(self, request: Request) -> Response:
        arm.check_subscription(self.ctx, request)
        self._batch_location(request)
        return Response(200, {"accountQuota": int(self.ctx.settings.get("batch_account_quota", 3))})

    def location_skus(self, request: Request) -> Response:
        arm.check_subscription(self.ctx, request)
        return Response(200, common.paged(catalog.vm_skus(self._batch_location(request))))

    def check_name_availability(self, request: Request) -> Response:
        arm.check_subscription(self.ctx, request)
        location = self._batch_location(request)
        body = arm.body_object(request)
        name, kind = body.get("name"), body.get("type")
        if not isinstance(name, str) or kind != "Microsoft.Batch/batchAccounts":
            raise AzureError(
                400,
                "InvalidRequestBody",
                "checkNameAvailability needs 'name' and type 'Microsoft.Batch/batchAccounts'.",
                target="name" if not isinstance(name, str) else "type",
            )
        try:
            accounts.validate_name(name)
        except AzureError as err:
            return Response(200, {"nameAvailable": False, "reason": "Invalid", "message": err.message})
        if common.find_accounts(self.ctx, name, location):
            return Response(
                200,
                {
                    "nameAvailable": False,
                    "reason": "AlreadyExists",
                    "message": f"An account named '{name}' is already in use.",
                },
            )
        return Response(200, {"nameAvailable": True})

    # --- applications and packages --------------------------------------------------------------------------
    def put_application(self, request: Request) -> Response:
        account = self._account(request)
        app = applications.create_application(
            self.ctx, account, request.params["application"], request.json(required=False)
        )
        return Response(200, app, {"ETag": app["etag"]})

    def patch_application(self, request: Request) -> Response:
        app = applications.update_application(
            self.ctx, self._account(request), request.params["application"], request.json()
        )
        return Response(200, app, {"ETag": app["etag"]})

    def get_application(self, request: Request) -> Response:
        app = applications.get_application(
            self.ctx, self._account(request)["id"], request.params["application"]
        )
        return Response(200, app, {"ETag": app["etag"]})

    def delete_application(self, request: Request) -> Response:
        applications.delete_application(self.ctx, self._account(request), request.params["application"])
        return Response(200)

    def list_applications(self, request: Request) -> Response:
        return Response(
            200, common.paged(applications.list_applications(self.ctx, self._account(request)["id"]))
        )

    def put_package(self, request: Request) -> Response:
        doc = self._account_doc(request)
        account = doc["resource"]
        # Batch signs the package's storageUrl with the auto-storage key it holds: a stale one is refused.
        auto_storage_keys.require_usable_key(self.ctx, doc)
        package = applications.create_package(
            self.ctx,
            account,
            request.params["application"],
            request.params["version"],
            self._sas_factory(account),
        )
        return Response(200, package, {"ETag": package["etag"]})

    def activate_package(self, request: Request) -> Response:
        account = self._account(request)
        package = applications.activate_package(
            self.ctx,
            account,
            request.params["application"],
            request.params["version"],
            request.json(),
            self._blob_checker(account),
        )
        return Response(200, package, {"ETag": package["etag"]})

    def get_package(self, request: Request) -> Response:
        package = applications.get_package(
            self.ctx, self._account(request)["id"], request.params["application"], request.params["version"]
        )
        return Response(200, package, {"ETag": package["etag"]})

    def delete_package(self, request: Request) -> Response:
        applications.delete_package(
            self.ctx, self._account(request), request.params["application"], request.params["version"]
        )
        return Response(200)

    def list_packages(self, request: Request) -> Response:
        account = self._account(request)
        applications.get_application(self.ctx, account["id"], request.params["application"])
        return Response(
            200,
            common.paged(applications.list_packages(self.ctx, account["id"], request.params["application"])),
        )

    # --- pools ----------------------------------------------------------------------------------------------
    def put_pool(self, request: Request) -> Response:
        resource = pools.put(
            self.ctx,
            self._account(request),
            request.params["pool"],
            request.json(),
            if_match=request.headers.get("if-match"),
            if_none_match=request.headers.get("if-none-match"),
        )
        return self._pool_response(resource)

    def patch_pool(self, request: Request) -> Response:
        resource = pools.patch(
            self.ctx,
            self._account(request),
            request.params["pool"],
            request.json(),
            if_match=request.headers.get("if-match"),
        )
        return self._pool_response(resource)

    def get_pool(self, request: Request) -> Response:
        return self._pool_response(
            pools.get(self.ctx, self._account(request), request.params["pool"])["resource"]
        )

    def list_pools(self, request: Request) -> Response:
        found = pools.list_pools(self.ctx, self._account(request))
        page = common.paged([doc["resource"] for doc in found])
        return Response(200, self.secrets.strip(page, "ListPoolsResult"))

    def delete_pool(self, request: Request) -> Response:
        key = pools.mark_deleting(self.ctx, self._account(request), request.params["pool"])
        headers = self.ctx.lro.begin(
            LRO_DELETE_POOL, {"key": key}, provider=common.PROVIDER, api_version=request.api_version
        )
        return Response(202, None, headers)

    def disable_autoscale(self, request: Request) -> Response:
        return self._pool_response(
            pools.disable_autoscale(self.ctx, self._account(request), request.params["pool"])
        )

    def stop_resize(self, request: Request) -> Response:
        return self._pool_response(
            pools.stop_resize(self.ctx, self._account(request), request.params["pool"])
        )

    # --- helpers --------------------------------------------------------------------------------------------
    def _pool_response(self, resource: dict[str, Any]) -> Response:
        # Secrets stay stored (Azure keeps them for the nodes) but never leave in an answer.
        return Response(200, self.secrets.strip(resource, "Pool"), {"ETag": resource["etag"]})

    def _account_doc(self, request: Request) -> dict[str, Any]:
        arm.check_subscription(self.ctx, request)
        return common.get_account(
            self.ctx, self.ctx.subscription_id, request.params["resource_group"], request.params["account"]
        )

    def _account(self, request: Request) -> dict[str, Any]:
        return self._account_doc(request)["resource"]

    def _batch_location(self, request: Request) -> str:
        location = arm.normalize_location(request.params["location"], target="locationName")
        if location not in catalog.locations():
            raise AzureError(
                404,
                "LocationNotFound",
                f"Microsoft.Batch is not available in '{location}'; use one "
                f"of {', '.join(catalog.locations())}.",
            )
        return location

    def _storage_exists(self, storage_id: str) -> bool:
        return self.ctx.state.get(STORAGE_ACCOUNTS, storage_id) is not None

    def _require_blob(self) -> Any:
        if self.ctx.blob is None:
            raise AzureError(
                503,
                "ServiceUnavailable",
                "The emulator runs without Azurite, so application package "
                "storage is unavailable; start it with Azurite (the default).",
            )
        return self.ctx.blob

    def _sas_factory(self, account: dict[str, Any]) -> applications.SasFactory:
        def make(container: str, blob_name: str, expiry: datetime) -> str:
            blob, storage = self._require_blob(), _auto_storage_name(account)
            blobs.ensure_container(blob, storage, container)
            return blobs.sas_url(blob, storage, container, blob_name, permission="rcw", expiry=expiry)

        return make

    def _blob_checker(self, account: dict[str, Any]) -> applications.BlobExists:
        def exists(container: str, blob_name: str) -> bool:
            return blobs.blob_exists(self._require_blob(), _auto_storage_name(account), container, blob_name)

        return exists

    def _accounts_page(self, found: list[dict[str, Any]]) -> Response:
        return Response(200, common.paged([accounts.served(self.ctx, r) for r in found]))

    def _finish_create(self, subject: dict[str, Any]) -> Response:
        return Response(200, accounts.finish_provisioning(self.ctx, subject["key"]))

    def _read_created(self, subject: dict[str, Any]) -> Response:
        doc = self.ctx.state.get(common.ACCOUNTS, subject["key"])
        if doc is None:
            raise AzureError(404, "ResourceNotFound", "The Batch account was deleted after it was created.")
        return Response(200, accounts.served(self.ctx, doc["resource"]))

    def _finish_account_delete(self, subject: dict[str, Any]) -> Response:
        accounts.delete(self.ctx, subject["key"])
        return Response(200)

    def _finish_pool_delete(self, subject: dict[str, Any]) -> Response:
        pools.delete(self.ctx, subject["key"])
        return Response(200)


def _auto_storage_name(account: dict[str, Any]) -> str:
    return account["properties"]["autoStorage"]["storageAccountId"].rstrip("/").rsplit("/", 1)[-1]
