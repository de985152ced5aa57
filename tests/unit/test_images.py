"""Supported-image selection: matching, end-of-life window, tie-break, sticky resolution."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch_infra.config.pool_parts import ImageSelector
from batch_infra.images import (
    ImageSelectionError,
    SupportedImage,
    in_window,
    matches,
    parse_images,
    rank,
    resolve,
    select,
)

TODAY = date(2026, 1, 15)


def wire(publisher="canonical", offer="ubuntu-24_04-lts", sku="server", agent="batch.node.ubuntu 24.04",
         os_type="linux", verified=True, eol=None, caps=()):
    item = {"nodeAgentSKUId": agent, "osType": os_type,
            "imageReference": {"publisher": publisher, "offer": offer, "sku": sku, "version": "latest"},
            "verificationType": "verified" if verified else "unverified", "capabilities": list(caps)}
    if eol:
        item["batchSupportEndOfLife"] = f"{eol.isoformat()}T00:00:00Z"
    return item


def catalog() -> list[SupportedImage]:
    """A slice of today's list: current Ubuntu, a gen1 variant, unverified arm64, jammy, retired focal."""
    return parse_images([
        wire(sku="server-gen1"), wire(), wire(sku="server-arm64", agent="batch.node.ubuntu 24.04 arm64",
                                              verified=False),
        wire(offer="0001-com-ubuntu-server-jammy", sku="22_04-lts", agent="batch.node.ubuntu 22.04",
             eol=date(2027, 6, 30)),
        wire(offer="0001-com-ubuntu-server-focal", sku="20_04-lts", agent="batch.node.ubuntu 20.04",
             eol=date(2025, 4, 23)),
    ])


def test_ubuntu_2404_intent_picks_plain_server_sku_and_its_agent():
    choice = select(ImageSelector(os="ubuntu 24.04"), catalog(), today=TODAY, window_days=90)
    assert (choice.publisher, choice.offer, choice.sku) == ("canonical", "ubuntu-24_04-lts", "server")
    assert choice.node_agent_sku_id == "batch.node.ubuntu 24.04"
    assert choice.image_reference() == {"publisher": "canonical", "offer": "ubuntu-24_04-lts",
                                        "sku": "server", "version": "latest"}


def test_sdk_model_and_wire_dict_parse_the_same():
    from azure.batch import models

    item = wire(eol=date(2027, 6, 30), caps=("DockerCompatible",))
    assert SupportedImage.from_wire(models.BatchSupportedImage(item)) == SupportedImage.from_wire(item)


def test_end_of_life_window_excludes_an_image_and_says_when():
    images = parse_images([wire(sku="22_04-lts", offer="jammy", eol=TODAY + timedelta(days=30))])
    selector = ImageSelector(publisher="canonical", offer="jammy", sku="22_04*")
    with pytest.raises(ImageSelectionError, match=r"ends Batch support within 90 days.*"):
        select(selector, images, today=TODAY, window_days=90)
    assert select(selector, images, today=TODAY, window_days=10).sku == "22_04-lts"


def test_no_match_names_the_filters():
    with pytest.raises(ImageSelectionError, match=r"no supported image matches.*capabilities Gpu"):
        select(ImageSelector(os="ubuntu 24.04", capabilities=["Gpu"]), catalog(), today=TODAY, window_days=0)


def test_capabilities_and_unverified_filters():
    images = parse_images([wire(sku="a", verified=False), wire(sku="b", caps=("DockerCompatible",))])
    loose = ImageSelector(publisher="canonical", offer="*", sku="*", verified_only=False)
    docker = ImageSelector(publisher="canonical", offer="*", sku="*", capabilities=["dockercompatible"])
    assert [i.sku for i in images if matches(loose, i)] == ["a", "b"]
    assert [i.sku for i in images if matches(docker, i)] == ["b"]


def test_windows_intent_does_not_match_linux_images():
    linux = parse_images([wire(publisher="microsoftwindowsserver", offer="windowsserver",
                               sku="2022-datacenter", os_type="linux")])
    assert not matches(ImageSelector(os="windows 2022"), linux[0])


images_strategy = st.lists(
    st.builds(
        SupportedImage,
        publisher=st.sampled_from(["canonical", "almalinux"]),
        offer=st.sampled_from(["ubuntu-24_04-lts", "offer-b"]),
        sku=st.sampled_from(["server", "server-gen1", "s", "server-arm64"]),
        node_agent_sku_id=st.sampled_from(["batch.node.ubuntu 24.04", "batch.node.el 9"]),
        os_type=st.sampled_from(["linux", "windows"]),
        verified=st.booleans(),
        capabilities=st.frozensets(st.sampled_from(["dockercompatible", "gpu"]), max_size=2),
        end_of_life=st.none() | st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 1, 1)),
    ),
    max_size=12,
    unique_by=lambda image: image.key,  # Azure pairs each image with one node agent SKU
)
selectors = st.builds(
    ImageSelector,
    publisher=st.sampled_from(["canonical", "*"]),
    offer=st.sampled_from(["ubuntu-24_04-lts", "*"]),
    sku=st.sampled_from(["server*", "*"]),
    verified_only=st.booleans(),
    capabilities=st.lists(st.sampled_from(["DockerCompatible", "Gpu"]), max_size=1),
)


@settings(max_examples=150, deadline=None)
@given(images=images_strategy, selector=selectors, window=st.integers(0, 400), data=st.data())
def test_choice_matches_is_outside_window_is_best_and_ignores_order(images, selector, window, data):
    try:
        choice = select(selector, images, today=TODAY, window_days=window)
    except ImageSelectionError:
        assert not [i for i in images if matches(selector, i) and not in_window(i.end_of_life, TODAY, window)]
        return
    chosen = next(i for i in images if i.key == choice.key)
    assert matches(selector, chosen) and not in_window(chosen.end_of_life, TODAY, window)
    usable = [i for i in images if matches(selector, i) and not in_window(i.end_of_life, TODAY, window)]
    assert rank(chosen) == min(rank(i) for i in usable)
    if any(i.verified for i in usable):
        assert chosen.verified
    shuffled = data.draw(st.permutations(images))
    assert select(selector, shuffled, today=TODAY, window_days=window) == choice


@settings(max_examples=100, deadline=None)
@given(images=images_strategy, selector=selectors)
def test_resolution_is_sticky_while_the_selector_is_unchanged(images, selector):
    try:
        first = resolve(selector, images, today=TODAY, window_days=30, action="fail")
    except ImageSelectionError:
        return
    # A "better" image appearing later (verified, no end of life, shortest name) does not move the pool.
    better = SupportedImage("canonical", "ubuntu-24_04-lts", "a", "batch.node.ubuntu 24.04", "linux",
                            True, frozenset({"dockercompatible", "gpu"}))
    again = resolve(selector, [better, *images], today=TODAY, window_days=30, action="fail",
                    recorded=first.record)
    assert again.source == "recorded" and again.choice == first.choice


def test_changed_selector_reselects():
    images = catalog()
    first = resolve(ImageSelector(os="ubuntu 24.04"), images, today=TODAY, window_days=90, action="fail")
    other = resolve(ImageSelector(os="ubuntu 22.04"), images, today=TODAY, window_days=90, action="fail",
                    recorded=first.record)
    assert other.source == "selected" and other.choice.node_agent_sku_id == "batch.node.ubuntu 22.04"


def test_recorded_image_entering_window_fails_naming_the_replacement():
    jammy = ImageSelector(publisher="canonical", offer="*", sku="*")
    images = parse_images([wire(offer="jammy", sku="22_04-lts", agent="batch.node.ubuntu 22.04",
                                eol=date(2027, 6, 30)), wire()])
    early = date(2024, 1, 1)
    first = resolve(jammy, images, today=early, window_days=30, action="fail")
    assert first.choice.sku == "server"  # no end of life beats a date
    pinned = ImageSelector(publisher="canonical", offer="*", sku="*",
                           pinned={"publisher": "canonical", "offer": "jammy", "sku": "22_04-lts",
                                   "nodeAgentSkuId": "batch.node.ubuntu 22.04"})
    late = date(2027, 6, 1)
    with pytest.raises(ImageSelectionError) as err:
        resolve(pinned, images, today=late, window_days=90, action="fail")
    assert "ends within the 90-day end-of-life window" in err.value.message
    assert "canonical/ubuntu-24_04-lts/server" in err.value.fix
    warned = resolve(pinned, images, today=late, window_days=90, action="warn")
    assert warned.choice.sku == "22_04-lts" and warned.replacement.sku == "server"
    assert "canonical/ubuntu-24_04-lts/server" in warned.warnings[0]


def test_image_past_end_of_life_is_refused_for_a_new_pool_even_when_policy_warns():
    pinned = ImageSelector(os="ubuntu 24.04", pinned={
        "publisher": "canonical", "offer": "0001-com-ubuntu-server-focal", "sku": "20_04-lts",
        "nodeAgentSkuId": "batch.node.ubuntu 20.04"})
    with pytest.raises(ImageSelectionError, match="Batch support ended"):
        resolve(pinned, catalog(), today=TODAY, window_days=0, action="warn", creating=True)
    kept = resolve(pinned, catalog(), today=TODAY, window_days=0, action="warn", creating=False)
    assert kept.warnings and kept.replacement.offer == "ubuntu-24_04-lts"


def test_pin_with_wrong_node_agent_is_refused_with_the_right_one():
    pinned = ImageSelector(os="ubuntu 24.04", pinned={
        "publisher": "canonical", "offer": "ubuntu-24_04-lts", "sku": "server",
        "nodeAgentSkuId": "batch.node.ubuntu 22.04"})
    with pytest.raises(ImageSelectionError, match="paired with node agent SKU 'batch.node.ubuntu 24.04'"):
        resolve(pinned, catalog(), today=TODAY, window_days=90, action="fail")


def test_pin_missing_from_the_list_is_treated_as_retired():
    pinned = ImageSelector(os="ubuntu 24.04", pinned={
        "publisher": "canonical", "offer": "ubuntuserver", "sku": "18.04-lts",
        "nodeAgentSkuId": "batch.node.ubuntu 18.04"})
    with pytest.raises(ImageSelectionError, match="no longer in the account's supported-image list"):
        resolve(pinned, catalog(), today=TODAY, window_days=90, action="fail")


def test_warn_policy_applies_to_a_new_unpinned_pool_too():
    """newcomer D6: under imageEndOfLifeAction: warn, a new pool whose images all end in the window failed."""
    jammy = ImageSelector(os="ubuntu 22.04")
    with pytest.raises(ImageSelectionError, match="within 600 days"):
        resolve(jammy, catalog(), today=TODAY, window_days=600, action="fail", creating=True)
    warned = resolve(jammy, catalog(), today=TODAY, window_days=600, action="warn", creating=True)
    assert (warned.choice.offer, warned.source) == ("0001-com-ubuntu-server-jammy", "selected")
    assert "within 600 days" in warned.warnings[0] and "imageEndOfLifeAction: warn" in warned.warnings[0]
    assert warned.record["sku"] == "22_04-lts"


def test_warn_policy_never_selects_an_image_whose_support_has_ended():
    focal = ImageSelector(publisher="canonical", offer="*focal*", sku="*")
    with pytest.raises(ImageSelectionError, match="ends Batch support within"):
        resolve(focal, catalog(), today=TODAY, window_days=30, action="warn", creating=True)
