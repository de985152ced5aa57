"""Config of Batch applications and their packages (version -> local folder or zip)."""

from __future__ import annotations

import re

from pydantic import field_validator, model_validator

from batch_infra.config.base import Model, invalid, promotable

# Batch documents application ids as letters, digits, hyphens and underscores; versions may add periods.
APPLICATION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
APPLICATION_VERSION = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
# Packages per application: Batch's default limit (learn.microsoft.com/azure/batch/batch-quota-limit).
MAX_PACKAGES = 40


def application_id_problem(value: str) -> str | None:
    if APPLICATION_ID.match(value):
        return None
    return f"{value!r} is not a valid application id: 1 to 64 letters, digits, hyphens or underscores"


def application_version_problem(value: str) -> str | None:
    if APPLICATION_VERSION.match(value):
        return None
    return (f"{value!r} is not a valid application version: "
            "1 to 64 letters, digits, hyphens, underscores or periods")


class ApplicationConfig(Model):
    """Optional. A Batch application; its packages are zipped, uploaded and activated by batch-infra."""

    id: str
    display_name: str | None = None
    allow_updates: bool = True
    default_version: str | None = promotable(None)
    # version -> path of a folder or .zip, relative to the project directory (where Pulumi.yaml is).
    packages: dict[str, str] = promotable({})

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if problem := application_id_problem(value):
            raise invalid(problem, "rename the application, e.g. ffmpeg or render_tools")
        return value

    @field_validator("packages")
    @classmethod
    def _versions(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_PACKAGES:
            raise invalid(
                f"{len(value)} package versions, more than Batch's limit of {MAX_PACKAGES} per application",
                f"keep at most {MAX_PACKAGES} versions under packages "
                "(remove old ones and the pools' references)",
            )
        for version, path in value.items():
            if problem := application_version_problem(version):
                raise invalid(problem, "use versions like 1.2.0 or 2024-06_1", at=version)
            if not path:
                raise invalid(f"package version {version!r} has no path", "give a folder or .zip path",
                              at=version)
        folded = [v.lower() for v in value]
        if len(set(folded)) != len(folded):
            raise invalid("two package versions differ only in case",
                          "Batch compares versions case-insensitively")
        return value

    @model_validator(mode="after")
    def _default_is_a_package(self) -> ApplicationConfig:
        if (self.default_version is not None
                and self.default_version.lower() not in {v.lower() for v in self.packages}):
            raise invalid(
                f"defaultVersion {self.default_version!r} is not one of the packages "
                f"({', '.join(self.packages) or 'none'})",
                "add that version under packages or pick an existing one",
                at="defaultVersion",
            )
        return self

    def has_version(self, version: str) -> bool:
        return version.lower() in {v.lower() for v in self.packages}
