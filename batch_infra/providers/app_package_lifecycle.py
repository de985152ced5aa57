"""The ApplicationPackage provider's steps as the engine calls them: check, create, read, update, delete."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, ReadResult, UpdateResult

from batch_infra import package_content
from batch_infra.errors import AzureOperationError, BatchInfraError
from batch_infra.providers import app_package_ops as ops
from batch_infra.providers import app_package_rules as rules
from batch_infra.providers.app_package_rules import PackageInputs

_LOCATION_KEYS = ("subscription_id", "resource_group_name", "account_name", "application_name", "version")


def check(olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
    """Shapes, the package path and size, allowUpdates, then Batch's count limits against the live account."""
    problems = rules.shape_problems(news)
    if isinstance(news.get("path"), str) and news["path"] and not rules.is_unknown(news["path"]):
        problems += _path_problems(news["path"])
    if refused := rules.update_refused(olds, news):
        problems.append(("content_hash", refused))
    if not problems and not any(rules.is_unknown(news[key]) for key in _LOCATION_KEYS):
        inputs = PackageInputs.from_props(news)
        if not rules.same_identity(olds, news) and (names := ops.existing_names(inputs)) is not None:
            problems += rules.limit_problems(inputs, *names)
    inputs_out = {name: news[name] for name in rules.input_names() if name in news}
    return CheckResult(inputs_out, [CheckFailure(prop, reason) for prop, reason in problems])


def _path_problems(path: str) -> list[tuple[str, str]]:
    try:
        bound = package_content.size_upper_bound(Path(path))
    except BatchInfraError as err:
        return [("path", err.render().replace("\n  fix:", "; fix:"))]
    except (OSError, UnicodeError) as err:  # a file that changed under us: a failure to act on, never a trace
        return [("path", f"package {path} cannot be read ({err}); fix: make its files readable, then rerun")]
    problem = rules.size_problem(bound, path)
    return [("path", problem)] if problem else []


def create(props: dict[str, Any]) -> CreateResult:
    """Adopt an identical existing version, else create -> upload -> activate; then the default version.

    Either way the version is claimed for this resource (a fresh claim on its blob, kept in the outputs),
    so a resource that held it before can no longer delete it (see `delete`).
    """
    inputs = PackageInputs.from_props(props)
    claim = uuid.uuid4().hex
    live = ops.read_live(inputs)
    if live is not None and live.state == "Active":
        if live.content_hash != inputs.content_hash:
            raise BatchInfraError(
                f"{inputs.describe()} already exists and is Active with other content "
                f"({live.content_hash or 'not uploaded by batch-infra'})",
                fix="publish a new version, or delete that version in Azure so this content is published",
            )
    else:
        _publish_or_roll_back(inputs, live)
    ops.stamp_claim(inputs, claim)
    if inputs.set_default:
        ops.set_default_version(inputs)
    return CreateResult(inputs.resource_id(), _outputs(inputs, claim))


def _publish_or_roll_back(inputs: PackageInputs, live: ops.LivePackage | None) -> None:
    """Publish; if it fails on a version this call created, delete it so nothing half-made stays behind."""
    with ops.built_package(inputs) as built:
        try:
            ops.publish(inputs, built, live=live, progress=_progress(inputs))
        except (AzureOperationError, BatchInfraError) as failure:
            if live is None:
                try:
                    ops.delete(inputs)
                except AzureOperationError as cleanup:
                    failure.add_note(f"the Pending version could not be removed either: {cleanup}")
            raise


def update(olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
    """Re-upload and re-activate on new content (check refused it unless allowed); the default version."""
    inputs = PackageInputs.from_props(news)
    claim = olds.get("claim") or uuid.uuid4().hex
    content_changed = olds.get("content_hash") != inputs.content_hash
    if content_changed:
        with ops.built_package(inputs) as built:
            ops.publish(inputs, built, live=ops.read_live(inputs), progress=_progress(inputs))
        ops.stamp_claim(inputs, claim)  # the upload wrote the blob's metadata anew
    if inputs.set_default and (content_changed or not olds.get("set_default")):
        ops.set_default_version(inputs)
    elif olds.get("set_default") and not inputs.set_default:
        ops.clear_default_version(inputs)  # defaultVersion removed from the config: Azure keeps it otherwise
    return UpdateResult(_outputs(inputs, claim))


def _progress(inputs: PackageInputs) -> ops.Progress:
    return ops.stderr_progress(f"{inputs.application_name} {inputs.version}")


def _outputs(inputs: PackageInputs, claim: str | None) -> dict[str, Any]:
    live = ops.read_live(inputs)
    if live is None:
        raise AzureOperationError(
            f"read {inputs.describe()}",
            "ApplicationPackageNotFound",
            "the version vanished right after it was published",
            fix="check whether something else deletes packages, then run `pulumi up` again",
        )
    return {**inputs.as_props(), **_live_outputs(live), "claim": claim}


def _live_outputs(live: ops.LivePackage) -> dict[str, Any]:
    return {
        "state": live.state,
        "format": live.format,
        "storage_url": live.storage_url,
        "storage_url_expiry": live.storage_url_expiry,
        "last_activation_time": live.last_activation_time,
    }


def read(id_: str, props: dict[str, Any]) -> ReadResult:
    """Azure's view mapped back to inputs: content hash from the blob's stamp, default and allowUpdates."""
    inputs = PackageInputs.from_props(props)
    live = ops.read_live(inputs)
    if live is None:
        return ReadResult(None, {})  # the version is gone: the engine drops it from state
    refreshed = {
        **inputs.as_props(),
        "content_hash": live.content_hash or "",
        "set_default": live.is_default,
        "allow_updates": live.allow_updates,
    }
    if live.state != "Active":
        refreshed["content_hash"] = ""  # a Pending version serves nothing: the next up must publish it
    outputs = {**refreshed, **_live_outputs(live), "claim": props.get("claim")}
    return ReadResult(id_, outputs, inputs=refreshed)


def delete(props: dict[str, Any]) -> None:
    """Delete the version, unless another resource has claimed it since this one did.

    That happens when the engine creates a replacement before deleting the old resource (a URN change
    without alias, or a replace without delete-before-replace): the new resource's create adopted this
    very version, and deleting "the old one" would delete it. States written before claims existed have
    none, and delete as before.
    """
    inputs = PackageInputs.from_props(props)
    mine = props.get("claim")
    live = ops.read_live(inputs) if mine else None
    if live is not None and live.claim and live.claim != mine:
        sys.stderr.write(
            f"{inputs.describe()} was adopted by another resource of the stack after this one: "
            "left in place\n"
        )
        return
    ops.delete(inputs)
