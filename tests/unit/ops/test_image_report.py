"""The image end-of-life report: pure resolution on the emulator's catalog, then read from the emulator."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from batch_infra.config import StackConfig
from batch_infra.emulator.catalog import supported_images
from batch_infra.errors import AzureOperationError
from batch_infra.images import ImageChoice, parse_images
from batch_infra.ops.image_report import build_report, read_report

CATALOG = parse_images(supported_images())
JAMMY = ImageChoice(
    "canonical", "0001-com-ubuntu-server-jammy", "22_04-lts", "latest", "batch.node.ubuntu 22.04"
)
FOCAL = ImageChoice(
    "canonical", "0001-com-ubuntu-server-focal", "20_04-lts", "latest", "batch.node.ubuntu 20.04"
)


def stack(*images: dict[str, Any], window: int = 90, **naming: str) -> StackConfig:
    pools = [
        {"id": f"p{i}", "vmSize": "Standard_D2s_v5", "image": image, "scale": {"targetDedicatedNodes": 1}}
        for i, image in enumerate(images)
    ]
    return StackConfig.model_validate(
        {
            "environment": "dev",
            "location": "westeurope",
            "naming": {"prefix": "contoso", **naming},
            "pools": pools,
            "policies": {"imageEndOfLifeWindowDays": window},
        }
    )


def test_current_image_outside_the_window_is_ok() -> None:
    report = build_report(stack({"os": "ubuntu 24.04"}), CATALOG, {}, date(2027, 1, 1))

    (pool,) = report.pools
    assert report.ok
    assert (pool.status, pool.image, pool.source, pool.end_of_life, pool.days_left, pool.replacement) == (
        "ok",
        "canonical/ubuntu-24_04-lts/server",
        "selected",
        None,
        None,
        None,
    )


def test_every_match_inside_the_window_reports_the_best_with_days_left() -> None:
    report = build_report(stack({"os": "ubuntu 22.04"}, window=180), CATALOG, {}, date(2027, 3, 1))

    (pool,) = report.pools
    assert not report.ok
    assert (pool.status, pool.image, pool.end_of_life, pool.days_left) == (
        "in-window",
        "canonical/0001-com-ubuntu-server-jammy/22_04-lts",
        date(2027, 6, 30),
        121,
    )
    # The selector has nothing outside the window: the newest Linux intent that has is suggested.
    assert pool.replacement.startswith("os: ubuntu 24.04 (canonical/ubuntu-24_04-lts/server")
    assert "within 180 days" in pool.problem and "image.os: ubuntu 24.04" in pool.problem


def test_a_windows_pool_is_offered_a_windows_replacement() -> None:
    ending = date(2027, 3, 1)  # the emulator's catalog announces no end for 2019 yet; say it does
    catalog = [replace(i, end_of_life=ending) if i.sku.startswith("2019-") else i for i in CATALOG]
    report = build_report(stack({"os": "windows 2019"}, window=60), catalog, {}, ending - timedelta(days=30))

    (pool,) = report.pools
    assert pool.status == "in-window" and pool.replacement.startswith("os: windows 20")
    assert "ubuntu" not in pool.problem and "image.os: windows 20" in pool.problem


def test_pinned_image_in_the_window_names_the_replacement_the_selector_would_pick() -> None:
    pin = {
        "publisher": "canonical",
        "offer": "0001-com-ubuntu-server-jammy",
        "sku": "22_04-lts",
        "nodeAgentSkuId": "batch.node.ubuntu 22.04",
    }
    selector = {"publisher": "canonical", "offer": "*", "sku": "server", "pinned": pin}
    report = build_report(stack(selector, window=90), CATALOG, {}, date(2027, 5, 1))

    (pool,) = report.pools
    assert (pool.status, pool.source, pool.days_left) == ("in-window", "pinned", 60)
    assert pool.replacement.startswith("canonical/ubuntu-24_04-lts/server (batch.node.ubuntu 24.04")


def test_a_deployed_image_the_selector_still_fits_is_kept_and_judged() -> None:
    selector = {"publisher": "canonical", "offer": "0001-com-ubuntu-server-*", "sku": "*-lts"}
    report = build_report(stack(selector, window=30), CATALOG, {"p0": FOCAL}, date(2025, 6, 1))

    (pool,) = report.pools
    assert (pool.status, pool.source, pool.days_left) == ("ended", "deployed", -39)
    assert pool.replacement.startswith("canonical/0001-com-ubuntu-server-jammy/22_04-lts")


def test_a_deployed_image_outside_the_selector_is_replaced_by_selection() -> None:
    report = build_report(stack({"os": "ubuntu 24.04"}), CATALOG, {"p0": JAMMY}, date(2027, 6, 1))

    (pool,) = report.pools
    assert (pool.status, pool.source, pool.image) == ("ok", "selected", "canonical/ubuntu-24_04-lts/server")


def test_deployed_image_no_longer_listed_counts_as_ended() -> None:
    gone = ImageChoice("canonical", "ubuntuserver", "18.04-lts", "latest", "batch.node.ubuntu 18.04")
    selector = {"publisher": "canonical", "offer": "*", "sku": "*"}
    report = build_report(stack(selector), CATALOG, {"p0": gone}, date(2026, 1, 1))

    (pool,) = report.pools
    assert (pool.status, pool.source) == ("ended", "deployed")
    assert "no longer in the account's supported-image list" in pool.problem


def test_no_matching_image_is_reported_not_raised() -> None:
    selector = {"publisher": "contoso", "offer": "golden", "sku": "v1"}
    report = build_report(stack(selector, {"os": "debian 12"}), CATALOG, {}, date(2026, 1, 1))

    assert [p.status for p in report.pools] == ["no-image", "ok"]
    assert "no supported image matches" in report.pools[0].problem
    assert report.as_json()["ok"] is False


@pytest.mark.emulator
def test_read_report_uses_the_account_catalog_and_deployed_pools(clean_emulator: Any) -> None:
    config = stack(
        {"publisher": "canonical", "offer": "0001-com-ubuntu-server-*", "sku": "*"},
        {"os": "ubuntu 24.04"},
        window=365,
        resourceGroup="rg-images",
        batchAccount="imagesbatch",
    )
    clean_emulator.resource_client().resource_groups.create_or_update("rg-images", {"location": "westeurope"})
    mgmt = clean_emulator.batch_mgmt_client()
    mgmt.batch_account.begin_create("rg-images", "imagesbatch", {"location": "westeurope"}).result()
    image = {
        "publisher": "canonical",
        "offer": "0001-com-ubuntu-server-jammy",
        "sku": "22_04-lts",
        "version": "latest",
    }
    mgmt.pool.create(
        "rg-images",
        "imagesbatch",
        "p0",
        {
            "properties": {
                "vmSize": "Standard_D2s_v5",
                "deploymentConfiguration": {
                    "virtualMachineConfiguration": {
                        "imageReference": image,
                        "nodeAgentSkuId": "batch.node.ubuntu 22.04",
                    }
                },
                "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 0}},
            }
        },
    )

    report = read_report(clean_emulator.target, config, date(2027, 1, 1))

    deployed, fresh = report.pools
    assert (deployed.status, deployed.source, deployed.image, deployed.days_left) == (
        "in-window",
        "deployed",
        "canonical/0001-com-ubuntu-server-jammy/22_04-lts",
        180,
    )
    assert (fresh.status, fresh.source) == ("ok", "selected")
    assert report.notes == []


@pytest.mark.emulator
def test_read_report_creates_a_scratch_account_only_in_the_emulator(clean_emulator: Any) -> None:
    report = read_report(
        clean_emulator.target, stack({"os": "ubuntu 24.04"}), date(2027, 1, 1), owns_emulator=True
    )

    assert report.ok and "created it to read the emulator's catalog" in report.notes[0]


@pytest.mark.emulator
def test_read_report_creates_nothing_in_an_emulator_it_does_not_own(clean_emulator: Any) -> None:
    with pytest.raises(AzureOperationError, match="ResourceNotFound") as missing:
        read_report(clean_emulator.target, stack({"os": "ubuntu 24.04"}), date(2027, 1, 1))

    assert "creates nothing in it" in missing.value.render()
    assert not [r for r in clean_emulator.requests() if r["method"] in ("PUT", "POST", "PATCH")]


@pytest.mark.emulator
def test_a_dropped_connection_is_an_azure_failure(clean_emulator: Any) -> None:
    clean_emulator.add_fault(path=r".*/batchAccounts/.*", method="GET", drop=True, count=50)
    with pytest.raises(AzureOperationError, match="ServiceResponseError") as dropped:
        read_report(clean_emulator.target, stack({"os": "ubuntu 24.04"}), date(2027, 1, 1))
    assert dropped.value.exit_code == 3 and "re-run" in dropped.value.render()
