"""Applications and packages: Pending -> (blob uploaded) -> Active, allowUpdates, default version, limits."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from batch_infra.emulator.errors import AzureError
from batch_infra.emulator.services.batch_mgmt.models import common
from batch_infra.emulator.services.batch_mgmt.models.common import APPLICATIONS, PACKAGES

if TYPE_CHECKING:
    from batch_infra.emulator.context import EmulatorContext

MAX_APPLICATIONS = 20
MAX_PACKAGES = 40
SAS_LIFETIME = timedelta(hours=4)
_BLOB = "blobLocation"  # internal: storage account, container and blob of a package; never served
# (container, blob, expiry) -> SAS URL for uploading the package; (container, blob) -> does the blob exist
SasFactory = Callable[[str, str, Any], str]
BlobExists = Callable[[str, str], bool]


def application_id(account_key: str, application: str) -> str:
    return f"{account_key}/applications/{application}"


def get_application(ctx: EmulatorContext, account_key: str, application: str) -> dict[str, Any]:
    app = ctx.state.get(APPLICATIONS, application_id(account_key, application))
    if app is None:
        raise AzureError(
            404,
            "ApplicationNotFound",
            f"The application '{application}' does not exist in the Batch account; create it first.",
        )
    return app


def list_applications(ctx: EmulatorContext, account_key: str) -> list[dict[str, Any]]:
    prefix = common.child_prefix(account_key) + "applications/"
    return [app for key, app in ctx.state.items(APPLICATIONS, prefix) if "/" not in key[len(prefix) :]]


def create_application(ctx: EmulatorContext, account: dict[str, Any], application: str, body: Any) -> dict:
    """PUT (body optional): create, or replace the settable properties of an existing application."""
    _check_name(application, common.CHILD_NAME_PATTERN, "application")
    body = common.require_object(body or {}, "the application")
    common.require_account_ready(account)
    with ctx.state.transaction() as state:
        key = application_id(account["id"], application)
        app = state.get(APPLICATIONS, key)
        if app is None:
            if len(list_applications(ctx, account["id"])) >= MAX_APPLICATIONS:
                raise AzureError(
                    409,
                    "ApplicationQuotaReached",
                    f"The Batch account '{account['name']}' already "
                    f"has {MAX_APPLICATIONS} applications, its limit; delete an unused application.",
                )
            app = {
                "id": _arm_id(account, application),
                "name": application,
                "type": "Microsoft.Batch/batchAccounts/applications",
                "properties": {"allowUpdates": True},
            }
        _apply(ctx, account["id"], app, body)
        state.put(APPLICATIONS, key, app)
        return app


def update_application(ctx: EmulatorContext, account: dict[str, Any], application: str, body: Any) -> dict:
    body = common.require_object(body, "the application update")
    common.require_account_ready(account)
    with ctx.state.transaction() as state:
        app = get_application(ctx, account["id"], application)
        _apply(ctx, account["id"], app, body)
        state.put(APPLICATIONS, application_id(account["id"], application), app)
        return app


def delete_application(ctx: EmulatorContext, account: dict[str, Any], application: str) -> None:
    common.require_account_ready(account)
    with ctx.state.transaction() as state:
        get_application(ctx, account["id"], application)
        if list_packages(ctx, account["id"], application):
            raise AzureError(
                409,
                "ApplicationPackagesNotEmpty",
                f"The application '{application}' still has packages; delete its versions first.",
            )
        state.delete(APPLICATIONS, application_id(account["id"], application))


def package_key(account_key: str, application: str, version: str) -> str:
    return f"{application_id(account_key, application)}/versions/{version}"


def get_package(ctx: EmulatorContext, account_key: str, application: str, version: str) -> dict[str, Any]:
    """The package as Azure answers it (storageUrl signed now, for this emulator's Azurite)."""
    return served(ctx, _stored_package(ctx, account_key, application, version))


def _stored_package(ctx: EmulatorContext, account_key: str, application: str, version: str) -> dict[str, Any]:
    get_application(ctx, account_key, application)
    package = ctx.state.get(PACKAGES, package_key(account_key, application, version))
    if package is None:
        raise AzureError(
            404,
            "ApplicationPackageNotFound",
            f"Version '{version}' of application '{application}' does not exist; create it with a PUT first.",
        )
    return package


def list_packages(ctx: EmulatorContext, account_key: str, application: str) -> list[dict[str, Any]]:
    prefix = common.child_prefix(application_id(account_key, application))
    return [served(ctx, p) for _, p in ctx.state.items(PACKAGES, prefix)]


def served(ctx: EmulatorContext, package: dict[str, Any]) -> dict[str, Any]:
    """A stored package with its `storageUrl` built when served: state keeps where the blob is and when
    the SAS expires, never a URL, so an emulator restarted on other ports hands out working URLs."""
    answer = {k: v for k, v in package.items() if k != _BLOB}
    where = package.get(_BLOB)
    if where is not None and _managed_identity_storage(ctx, package):
        # "will contain a SAS if the auto storage account was configured to use storage keys"
        # (application-package/create): otherwise the uploader authenticates with its own Entra token.
        from batch_infra.emulator.services.storage import blob_front_door

        url = blob_front_door.url(ctx, where["storageAccount"], where["container"], where["blob"])
        answer["properties"] = {**package["properties"], "storageUrl": url}
    elif where is not None and ctx.blob is not None:
        expiry = common.parse_iso(package["properties"]["storageUrlExpiry"])
        url = ctx.blob.sas_url(
            where["storageAccount"], where["container"], where["blob"], permission="rcw", expiry=expiry
        )
        answer["properties"] = {**package["properties"], "storageUrl": url}
    return answer


def _managed_identity_storage(ctx: EmulatorContext, package: dict[str, Any]) -> bool:
    """Whether the package's account reaches its auto-storage by managed identity (as of now)."""
    account_id = package["id"].split("/applications/", 1)[0]
    doc = ctx.state.get(common.ACCOUNTS, account_id) or {}
    auto = ((doc.get("resource") or {}).get("properties") or {}).get("autoStorage") or {}
    return auto.get("authenticationMode") == "BatchAccountManagedIdentity"


def create_package(
    ctx: EmulatorContext, account: dict[str, Any], application: str, version: str, make_sas: SasFactory
) -> dict[str, Any]:
    """PUT a version: Pending with a fresh SAS storageUrl; an Active one only if allowUpdates.

    A PUT of an existing Active version sets it Pending again until the next activate. No public source
    states what Azure does here (searched: the REST and .NET docs only say Create "creates an application
    package record" that "needs to be activated", and azure-cli's `application package create`, which
    re-PUTs, re-uploads and re-activates existing versions, azure-cli#32086). Resetting is the stricter
    reading, so the provider is written to be right under both: it stages the new blocks before the PUT.
    The blob itself is untouched, so blocks staged before the PUT can still be committed after it.
    """
    _check_name(version, common.VERSION_PATTERN, "version")
    common.require_account_ready(account)
    _require_auto_storage(account)
    with ctx.state.transaction() as state:
        app = get_application(ctx, account["id"], application)
        key = package_key(account["id"], application, version)
        package = state.get(PACKAGES, key)
        if package is None:
            if len(list_packages(ctx, account["id"], application)) >= MAX_PACKAGES:
                raise AzureError(
                    409,
                    "ApplicationPackageQuotaReached",
                    f"Application '{application}' already has "
                    f"{MAX_PACKAGES} packages, its limit; delete old versions first.",
                )
            package = {
                "id": _arm_id(account, application, version),
                "name": version,
                "type": "Microsoft.Batch/batchAccounts/applications/versions",
                "properties": {},
            }
        elif package["properties"]["state"] == "Active" and not app["properties"].get("allowUpdates", True):
            raise AzureError(
                409,
                "ApplicationPackageUpdatesNotAllowed",
                f"Version '{version}' of application "
                f"'{application}' is Active and the application has allowUpdates=false; publish a new "
                "version or set allowUpdates to true.",
            )
        expiry = ctx.now() + SAS_LIFETIME
        container, blob = blob_location(account, application, version)
        make_sas(container, blob, expiry)  # creates the container; the URL itself is built when served
        package["properties"] = {
            **{k: v for k, v in package["properties"].items() if k != "storageUrl"},
            "state": "Pending",
            "storageUrlExpiry": common.iso(expiry),
        }
        package[_BLOB] = {"storageAccount": auto_storage_name(account), "container": container, "blob": blob}
        package["etag"] = common.etag_for(package)
        state.put(PACKAGES, key, package)
        return served(ctx, package)


def activate_package(
    ctx: EmulatorContext,
    account: dict[str, Any],
    application: str,
    version: str,
    body: Any,
    blob_exists: BlobExists,
) -> dict[str, Any]:
    """Activate once the package blob is in auto-storage, as Azure does; format is required."""
    body = common.require_object(body, "activate")
    fmt = body.get("format")
    if not isinstance(fmt, str) or not fmt:
        raise AzureError(
            400, "InvalidRequestBody", "The 'format' property is required (e.g. \"zip\").", target="format"
        )
    common.require_account_ready(account)
    with ctx.state.transaction() as state:
        package = _stored_package(ctx, account["id"], application, version)
        if not blob_exists(*blob_location(account, application, version)):
            raise AzureError(
                409,
                "ApplicationPackageBlobNotFound",
                f"The package blob for version '{version}' of "
                f"application '{application}' has not been uploaded; PUT the zip to the storageUrl "
                "first, then activate.",
            )
        props = package["properties"]
        props.update({"state": "Active", "format": fmt, "lastActivationTime": common.iso(ctx.now())})
        package["etag"] = common.etag_for(package)
        state.put(PACKAGES, package_key(account["id"], application, version), package)
        return served(ctx, package)


def delete_package(ctx: EmulatorContext, account: dict[str, Any], application: str, version: str) -> None:
    """Delete a version; deleting the default version clears the application's defaultVersion."""
    common.require_account_ready(account)
    with ctx.state.transaction() as state:
        _stored_package(ctx, account["id"], application, version)
        state.delete(PACKAGES, package_key(account["id"], application, version))
        app = get_application(ctx, account["id"], application)
        if app["properties"].get("defaultVersion") == version:
            app["properties"].pop("defaultVersion")
            app["etag"] = common.etag_for(app)
            state.put(APPLICATIONS, application_id(account["id"], application), app)


def auto_storage_name(account: dict[str, Any]) -> str:
    return account["properties"]["autoStorage"]["storageAccountId"].rstrip("/").rsplit("/", 1)[-1]


def blob_location(account: dict[str, Any], application: str, version: str) -> tuple[str, str]:
    """Where a package lives in auto-storage: Batch's own container per account, one blob per version."""
    return f"app-{account['name']}", f"{application.lower()}-{version}"


def _apply(ctx: EmulatorContext, account_key: str, app: dict[str, Any], body: dict[str, Any]) -> None:
    props = common.properties_of(body, "the application")
    target = app["properties"]
    if "displayName" in props:
        target["displayName"] = props["displayName"]
    if "allowUpdates" in props:
        if not isinstance(props["allowUpdates"], bool):
            raise AzureError(
                400,
                "InvalidPropertyValue",
                "allowUpdates must be true or false.",
                target="properties.allowUpdates",
            )
        target["allowUpdates"] = props["allowUpdates"]
    if "defaultVersion" in props and props["defaultVersion"] in (None, ""):
        # null (JSON merge patch) or "" clears the default, as the portal's "no default" does (unverified
        # against a recorded body; ApplicationProperties.defaultVersion is an optional string in the spec).
        target.pop("defaultVersion", None)
    elif props.get("defaultVersion") is not None:
        _check_default_version(ctx, account_key, app["name"], props["defaultVersion"])
        target["defaultVersion"] = props["defaultVersion"]
    if "tags" in body:
        app["tags"] = body["tags"] or {}
    app["etag"] = common.etag_for(app)


def _check_default_version(ctx: EmulatorContext, account_key: str, application: str, version: str) -> None:
    package = ctx.state.get(PACKAGES, package_key(account_key, application, version))
    if package is None or package["properties"]["state"] != "Active":
        raise AzureError(
            409,
            "RequestedDefaultVersionNotActive",
            f"The default version '{version}' of application "
            f"'{application}' is not an Active package; upload and activate it first.",
        )


def _require_auto_storage(account: dict[str, Any]) -> None:
    if not account["properties"].get("autoStorage"):
        raise AzureError(
            409,
            "AutoStorageNotConfigured",
            f"The Batch account '{account['name']}' has no "
            "auto-storage account, which application packages need; link one with "
            "properties.autoStorage.storageAccountId.",
        )


def _check_name(name: str, pattern: str, what: str) -> None:
    if not re.match(pattern, name):
        raise AzureError(
            400,
            "InvalidParameter",
            f"The {what} name '{name}' is invalid: use 1 to 64 letters, "
            "digits, hyphens and underscores" + (" and periods." if what == "version" else "."),
            target=f"{what}Name",
        )


def _arm_id(account: dict[str, Any], application: str, version: str | None = None) -> str:
    suffix = f"/versions/{version}" if version else ""
    return f"{account['id']}/applications/{application}{suffix}"
