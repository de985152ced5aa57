"""Config of a pool's image: an OS intent, publisher/offer/sku patterns, or a custom (gallery) image."""

from __future__ import annotations

import re

from pydantic import field_validator, model_validator

from batch_infra.config.base import Model, invalid, promotable, retired

# OS intents an image selector may name, mapped to (publisher, offer, sku) patterns over the supported-image
# list and the OS type. batch_infra.images applies them; unknown intents are config errors.
OS_INTENTS: dict[str, tuple[str, str, str, str]] = {
    "ubuntu 24.04": ("canonical", "ubuntu-24_04-lts", "server*", "linux"),
    "ubuntu 22.04": ("canonical", "0001-com-ubuntu-server-jammy", "22_04-lts*", "linux"),
    "almalinux 9": ("almalinux", "almalinux-x86_64", "9-gen*", "linux"),
    "rocky 9": ("resf", "rockylinux-x86_64", "9-base*", "linux"),
    "debian 12": ("debian", "debian-12", "12*", "linux"),
    "windows 2025": ("microsoftwindowsserver", "windowsserver", "2025-datacenter*", "windows"),
    "windows 2022": ("microsoftwindowsserver", "windowsserver", "2022-datacenter*", "windows"),
    "windows 2019": ("microsoftwindowsserver", "windowsserver", "2019-datacenter*", "windows"),
}
RETIRED_OS_INTENTS = {
    "ubuntu 20.04": ("2025-04-23", "use os: ubuntu 24.04 (node agent batch.node.ubuntu 24.04)"),
    "ubuntu 18.04": ("2024-12-31", "use os: ubuntu 24.04"),
    "centos 7": ("2024-12-31", "use os: almalinux 9 or rocky 9"),
    "centos 8": ("2024-12-31", "use os: almalinux 9 or rocky 9"),
    "debian 10": ("2024-12-31", "use os: debian 12"),
    "windows 2012": ("2024-12-05", "use os: windows 2022"),
}
PATTERN = re.compile(r"^[A-Za-z0-9_.*-]{1,128}$")
# An Azure Compute Gallery image (version or definition: latest version) or a managed image.
GALLERY_IMAGE = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Compute/"
    r"(galleries/[^/]+/images/[^/]+(/versions/[^/]+)?|images/[^/]+)$",
    re.IGNORECASE,
)


class PinnedImage(Model):
    """Optional. The image the selector resolved to; kept until the selector or end of life says otherwise."""

    publisher: str
    offer: str
    sku: str
    version: str = "latest"
    node_agent_sku_id: str


class ImageSelector(Model):
    """Required. Which supported image to run: an OS intent or publisher/offer/sku patterns (* wildcards);
    or a custom image (virtualMachineImageId) with the OS it is built on (os, or nodeAgentSkuId)."""

    os: str | None = None
    virtual_machine_image_id: str | None = None
    node_agent_sku_id: str | None = None
    publisher: str | None = None
    offer: str | None = None
    sku: str | None = None
    version: str = "latest"
    verified_only: bool = True
    capabilities: list[str] = []
    pinned: PinnedImage | None = promotable(None)

    @field_validator("os")
    @classmethod
    def _os(cls, value: str | None) -> str | None:
        if value is None:
            return None
        key = " ".join(value.lower().split())
        if key in RETIRED_OS_INTENTS:
            date, fix = RETIRED_OS_INTENTS[key]
            raise retired(f"{value!r} (its node agent SKU)", date, fix)
        if key not in OS_INTENTS:
            raise invalid(f"unknown OS {value!r}",
                          f"use one of: {', '.join(OS_INTENTS)}; or publisher/offer/sku")
        return key

    @field_validator("publisher", "offer", "sku")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value is not None and not PATTERN.match(value):
            raise invalid(f"{value!r} is not an image name pattern",
                          "letters, digits, . _ - and * wildcards only")
        return value

    @field_validator("virtual_machine_image_id")
    @classmethod
    def _gallery(cls, value: str | None) -> str | None:
        if value is not None and not GALLERY_IMAGE.match(value):
            raise invalid(f"{value!r} is not an Azure Compute Gallery image or managed image resource id",
                          "use /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Compute/"
                          "galleries/"
                          "<gallery>/images/<definition>[/versions/<version>]")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> ImageSelector:
        explicit = [self.publisher, self.offer, self.sku]
        if self.virtual_machine_image_id is not None:
            return self._custom_image(explicit)
        if self.node_agent_sku_id is not None:
            raise invalid("nodeAgentSkuId is chosen from the supported-image list for marketplace images",
                          "remove nodeAgentSkuId (it is only for virtualMachineImageId)", at="nodeAgentSkuId")
        if self.os and any(explicit):
            raise invalid("image names both os and publisher/offer/sku",
                          "keep one: os, or publisher+offer+sku", at="os")
        if not self.os and not all(explicit):
            missing = next(k for k in ("publisher", "offer", "sku") if not getattr(self, k))
            raise invalid("image needs os, or all of publisher, offer and sku", "e.g. os: ubuntu 24.04",
                          at="os" if not any(explicit) else missing)
        return self

    def _custom_image(self, explicit: list[str | None]) -> ImageSelector:
        if any(explicit):
            raise invalid("virtualMachineImageId replaces publisher/offer/sku",
                          "keep virtualMachineImageId and os (the OS the image is built on)", at="publisher")
        if (self.os is None) == (self.node_agent_sku_id is None):
            raise invalid("a custom image needs the OS it is built on: os (e.g. ubuntu 24.04) or "
                          "nodeAgentSkuId, exactly one",
                          "add os: <the image's base OS>; batch-infra picks its node agent SKU from the "
                          "supported-image list", at="os")
        if self.pinned is not None:
            raise invalid("pinned is for marketplace images; a custom image is already exact",
                          "remove image.pinned", at="pinned")
        return self

    def os_type(self) -> str | None:
        """'linux', 'windows' or None (unknown from the selector alone)."""
        if self.os:
            return OS_INTENTS[self.os][3]
        if self.node_agent_sku_id:
            return "windows" if self.node_agent_sku_id.lower().startswith("batch.node.windows") else "linux"
        return None

    def patterns(self) -> tuple[str, str, str, str | None]:
        """(publisher, offer, sku, os type or None) patterns over the supported-image list."""
        if self.os:
            return OS_INTENTS[self.os]
        return (self.publisher or "", self.offer or "", self.sku or "", None)
