"""The reference private environment (stacks/Pulumi.prod.yaml) through the test engine, deployed from
outside its network: up, no-change preview, the emulator refusing an outside caller while the providers
deploy, a caller inside the VNet admitted through the private endpoint, Azure's locks refusing the destroy
(ScopeLocked) until they are lifted as the README says."""

from __future__ import annotations

import pytest

from tests.deployments.conftest import (
    PROD_GROUP_PRINCIPAL,
    engine_stack,
    grant_prod_quota,
    lift_prod_policies,
)

pytestmark = [pytest.mark.slow, pytest.mark.emulator]
LOCK_API, BATCH_API = "2020-05-01", "2024-07-01"


def data_plane(clean_emulator, endpoint: str, *, inside: bool):
    if inside:
        host = clean_emulator.info["arm_endpoint"].removeprefix("https://")
        endpoint = endpoint.replace(host, clean_emulator.info["vnet_endpoint"].removeprefix("https://"))
    return clean_emulator.batch_data_client(endpoint)


def test_private_prod_deploys_from_outside_and_locks_hold(project, arm, clean_emulator) -> None:  # noqa: ANN001
    from azure.core.exceptions import HttpResponseError

    arm.create_identities(project / "stacks" / "Pulumi.prod.yaml")
    clean_emulator.settings(directory_principals=[PROD_GROUP_PRINCIPAL])
    groups_before = arm.resource_groups()
    stack = engine_stack(project, "prod", clean_emulator)
    preview = stack.preview()
    assert preview.ok, preview.render()
    clean_emulator.clear_requests()
    first = stack.up()
    assert not first.ok and "request an increase of the standardFSv2Family" in first.render()
    grant_prod_quota(clean_emulator)  # then the next up completes
    up = stack.up()
    assert up.ok, up.render()
    # Deployed from the Internet: no provider step touched the (private) Batch data plane.
    assert [r["path"] for r in clean_emulator.requests() if r["path"].startswith("/batch/")] == []
    again = stack.preview(expect_no_changes=True)
    assert again.ok, again.render()

    subscription = clean_emulator.info["subscription_id"]
    group = f"/subscriptions/{subscription}/resourceGroups/rg-contoso-prod-batch"
    status, account = arm.call(
        "GET", f"{group}/providers/Microsoft.Batch/batchAccounts/contosoprodbatch", BATCH_API
    )
    assert status == 200 and account["properties"]["publicNetworkAccess"] == "Disabled"
    endpoint = account["properties"]["accountEndpoint"]
    with pytest.raises(HttpResponseError) as refused:
        list(data_plane(clean_emulator, endpoint, inside=False).list_supported_images())
    assert refused.value.status_code == 403 and refused.value.error.code == "AuthorizationFailure"
    # Inside the VNet the privatelink zone resolves the account to its endpoint: AAD calls get through.
    assert list(data_plane(clean_emulator, endpoint, inside=True).list_supported_images())

    # Tearing down: first the shipped Pulumi policy (protect, retainOnDelete) is lifted in the stack file.
    lift_prod_policies(project)
    lift = stack.up()
    assert lift.ok, lift.render()
    assert not any(lift.counts.get(op) for op in ("create", "replace", "delete")), lift.render()
    # Then Azure's own locks (retained by the stack) refuse the deletes: a CanNotDelete lock on the account
    # covers its pools too, so the first pool delete stops the destroy.
    blocked = stack.destroy()
    assert not blocked.ok
    assert "ScopeLocked" in blocked.render() and "cannot perform delete operation" in blocked.render()
    # README "Locks": lift them in Azure (az lock delete), then destroy.
    status, locks = arm.call("GET", f"{group}/providers/Microsoft.Authorization/locks", LOCK_API)
    assert status == 200 and len(locks["value"]) == 3
    for lock in locks["value"]:
        assert arm.call("DELETE", lock["id"], LOCK_API)[0] == 200
    destroy = stack.destroy()
    assert destroy.ok, destroy.render()
    assert stack.state() == []
    assert sorted(arm.resource_groups()) == sorted(groups_before)
    print(
        f"\nprod: up {up.seconds:.1f}s, no-change preview {again.seconds:.1f}s, "
        f"destroy {destroy.seconds:.1f}s"
    )
