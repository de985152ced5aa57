"""The whole environment's config (one Pulumi stack) and the checks that span its sections."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from batch_infra.config.account import AccountConfig
from batch_infra.config.applications import ApplicationConfig
from batch_infra.config.base import Model, invalid
from batch_infra.config.naming import (
    ENVIRONMENT,
    PREFIX,
    ResourceNames,
    account_name_problem,
    derive_names,
    resource_group_problem,
)
from batch_infra.config.network import NetworkConfig
from batch_infra.config.pools import PoolConfig
from batch_infra.config.private_rules import private_problems
from batch_infra.config.security import Lock, RoleAssignment, unique_locks
from batch_infra.suggestions import did_you_mean

# Public Azure regions where Batch is offered (az account list-locations, Batch availability).
REGIONS = frozenset(
    """australiacentral australiaeast australiasoutheast brazilsouth canadacentral canadaeast centralindia
    centralus eastasia eastus eastus2 francecentral germanywestcentral israelcentral italynorth japaneast
    japanwest koreacentral koreasouth mexicocentral northcentralus northeurope norwayeast polandcentral
    qatarcentral southafricanorth southcentralus southeastasia southindia spaincentral swedencentral
    switzerlandnorth uaenorth uksouth ukwest westcentralus westeurope westindia
    westus westus2 westus3""".split()
)


class Naming(Model):
    """Required. How resources are named: a short prefix plus the environment, or explicit overrides."""

    prefix: str
    resource_group: str | None = None
    storage_account: str | None = None
    batch_account: str | None = None
    # The resource group named by resourceGroup already exists (a landing zone): never created or deleted.
    existing_resource_group: bool = False

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not PREFIX.match(value):
            raise invalid(
                f"prefix {value!r} must be 2-11 lowercase letters or digits starting with a letter",
                "it becomes part of the storage and Batch account names, e.g. contoso",
            )
        return value

    @field_validator("storage_account", "batch_account")
    @classmethod
    def _account(cls, value: str | None) -> str | None:
        if value is not None and (problem := account_name_problem(value)):
            raise invalid(problem, "use 3-24 lowercase letters and digits, e.g. contosoprodbatch")
        return value

    @field_validator("resource_group")
    @classmethod
    def _group(cls, value: str | None) -> str | None:
        if value is not None and (problem := resource_group_problem(value)):
            raise invalid(problem, "e.g. rg-contoso-prod-batch")
        return value

    @model_validator(mode="after")
    def _existing_needs_name(self) -> Naming:
        if self.existing_resource_group and self.resource_group is None:
            raise invalid(
                "existingResourceGroup is set but no resource group is named",
                "set naming.resourceGroup to the existing group's name",
                at="resourceGroup",
            )
        return self


# Stack-wide options the pool provider never reads: kept out of pool state so changing them diffs no pool.
NOT_POOL_POLICIES = {
    "protect_stateful_resources",
    "retain_on_delete",
    "security_baseline",
    "security_baseline_rules",
}


class Policies(Model):
    """Optional. Guard rails: how close to end of life an image may be, when quota use warns, and what
    Pulumi must not delete (Azure has no such property: these become Pulumi resource options)."""

    image_end_of_life_window_days: int = Field(90, ge=0, le=3650)
    image_end_of_life_action: Literal["fail", "warn"] = "fail"
    quota_warning_threshold: float = Field(0.8, gt=0, le=1)
    # `protect` on the resource group, the storage account and the Batch account: `pulumi destroy` and any
    # replacement of them stop with an error until the policy is turned off and `pulumi up` has run.
    protect_stateful_resources: bool = False
    # `retainOnDelete` on the same three: a delete (destroy, removal from the program) leaves them in Azure.
    retain_on_delete: bool = False
    # The security baseline (batch_infra/policy): mandatory = each rule at its own level (a violated
    # mandatory rule fails preflight), advisory = every rule only warns, disabled = not checked.
    security_baseline: Literal["mandatory", "advisory", "disabled"] = "advisory"
    security_baseline_rules: dict[str, Literal["mandatory", "advisory", "disabled"]] = {}

    @field_validator("security_baseline_rules")
    @classmethod
    def _known_rules(cls, value: dict[str, str]) -> dict[str, str]:
        from batch_infra.policy.rules import RULES

        names = [r.name for r in RULES]
        for name in value:
            if name not in names:
                raise invalid(
                    f"{name!r} is not a security baseline rule", f"use one of: {', '.join(names)}", at=name
                )
        return value

    def baseline_level(self, rule: str, default: str) -> str:
        if rule in self.security_baseline_rules:
            return self.security_baseline_rules[rule]
        if self.security_baseline == "mandatory":
            return default
        return self.security_baseline

    def pool_policies(self) -> dict[str, Any]:
        """What the pool provider reads (image end of life); the Pulumi options stay out of pool state."""
        return self.model_dump(by_alias=True, mode="json", exclude=NOT_POOL_POLICIES)


class StackConfig(Model):
    """The `batch-infra:*` keys of one stack file."""

    environment: str
    location: str
    naming: Naming
    tags: dict[str, str] = {}
    network: NetworkConfig = NetworkConfig()
    account: AccountConfig = AccountConfig()
    applications: list[ApplicationConfig] = []
    pools: list[PoolConfig] = []
    policies: Policies = Policies()
    locks: list[Lock] = []
    role_assignments: list[RoleAssignment] = []

    @field_validator("environment")
    @classmethod
    def _environment(cls, value: str) -> str:
        if not ENVIRONMENT.match(value):
            raise invalid(
                f"environment {value!r} must be 1-8 lowercase letters or digits starting with a letter",
                "use the stack name, e.g. dev, staging, prod",
            )
        return value

    @field_validator("location")
    @classmethod
    def _location(cls, value: str) -> str:
        key = value.replace(" ", "").lower()
        if key not in REGIONS:
            raise invalid(
                f"{value!r} is not an Azure region where Batch is offered",
                "use a region name like westeurope",
            )
        return key

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > 50:
            raise invalid(f"{len(value)} tags; Azure allows 50 per resource", "drop some tags")
        for key, text in value.items():
            if len(key) > 512 or re.search(r"[<>%&\\?/]", key):
                raise invalid(
                    f"tag name {key!r} is too long or contains one of < > % & \\ ? /",
                    "use up to 512 characters without those",
                )
            if len(str(text)) > 256:
                raise invalid(f"tag {key!r} has a value over 256 characters", "shorten the value")
        return value

    @field_validator("applications")
    @classmethod
    def _unique_applications(cls, value: list[ApplicationConfig]) -> list[ApplicationConfig]:
        if (index := _first_repeat([a.id for a in value])) is not None:
            raise invalid(
                f"application id {value[index].id!r} repeats an earlier one (Batch compares ids "
                "case-insensitively)",
                "rename one of them",
                at=[index, "id"],
            )
        return value

    @field_validator("locks")
    @classmethod
    def _locks(cls, value: list[Lock]) -> list[Lock]:
        return unique_locks(value)

    @field_validator("pools")
    @classmethod
    def _unique_pools(cls, value: list[PoolConfig]) -> list[PoolConfig]:
        if (index := _first_repeat([p.id for p in value])) is not None:
            raise invalid(
                f"pool id {value[index].id!r} repeats an earlier one (pool ids are case-insensitive)",
                "rename one of them",
                at=[index, "id"],
            )
        return value

    def cross_problems(self) -> list[tuple[str, str]]:
        """(key path, message with fix) for rules spanning sections; the loader reports them with the rest."""
        problems: list[tuple[str, str]] = []
        names = self.names()
        for key, name in (
            ("naming.storageAccount", names.storage_account),
            ("naming.batchAccount", names.batch_account),
        ):
            if problem := account_name_problem(name):
                problems.append((key, f"{problem}; fix: shorten naming.prefix or set {key}"))
        apps = {a.id.lower(): a for a in self.applications}
        fix = "fix: declare the application and version under applications, or correct the reference"
        for index, pool in enumerate(self.pools):
            for ref_index, ref in enumerate(pool.application_packages):
                key = f"pools[{index}].applicationPackages[{ref_index}]"
                app = apps.get(ref.application.lower())
                if app is None:
                    declared = [a.id for a in self.applications]
                    listed = ", ".join(declared) or "none"
                    hint = did_you_mean(ref.application, declared)
                    problems.append(
                        (
                            f"{key}.application",
                            f"{ref.application!r} is not a declared application ({listed}); "
                            f"fix:{hint}{fix.removeprefix('fix:')}",
                        )
                    )
                elif ref.version is None and app.default_version is None:
                    problems.append(
                        (
                            f"{key}.version",
                            f"no version given and application {app.id!r} has no "
                            "defaultVersion; fix: name a version or set the application's "
                            "defaultVersion",
                        )
                    )
                elif ref.version is not None and not app.has_version(ref.version):
                    problems.append(
                        (
                            f"{key}.version",
                            f"{ref.version!r} is not a package of {app.id!r} "
                            f"({', '.join(app.packages) or 'none'}); {fix}",
                        )
                    )
        problems += _undeclared_spot_maximums(self.pools)
        problems += private_problems(self)
        return problems

    def names(self) -> ResourceNames:
        derived = derive_names(self.naming.prefix, self.environment)
        return ResourceNames(
            resource_group=self.naming.resource_group or derived.resource_group,
            storage_account=self.naming.storage_account or derived.storage_account,
            batch_account=self.naming.batch_account or derived.batch_account,
            virtual_network=derived.virtual_network,
            subnet=derived.subnet,
            network_security_group=derived.network_security_group,
        )

    def all_tags(self) -> dict[str, str]:
        return {"environment": self.environment, "managed-by": "batch-infra", **self.tags}

    def application(self, application_id: str) -> ApplicationConfig | None:
        return next((a for a in self.applications if a.id.lower() == application_id.lower()), None)


def _undeclared_spot_maximums(pools: list[PoolConfig]) -> list[tuple[str, str]]:
    """Autoscale pools whose formula sets the Spot target with no maxSpotNodes: the cap (0) would
    silently undo the formula's Spot nodes, and the quota check would count none."""
    from batch_infra.autoscale.caps import assigns_spot_target

    return [
        (
            f"pools[{index}].scale.maxSpotNodes",
            f"the formula of pool {pool.id!r} sets $TargetLowPriorityNodes but declares no maxSpotNodes, "
            "which means 0 Spot nodes (the formula is capped at it and the quota check counts none); "
            "fix: declare scale.maxSpotNodes, the most Spot nodes the formula may ask for",
        )
        for index, pool in enumerate(pools)
        if pool.scale.is_autoscale
        and pool.scale.max_spot_nodes is None
        and assigns_spot_target(pool.scale.formula or "")
    ]


def _first_repeat(ids: list[str]) -> int | None:
    """Index of the first id that repeats an earlier one, compared case-insensitively as Azure does."""
    seen: set[str] = set()
    for index, item in enumerate(ids):
        if item.lower() in seen:
            return index
        seen.add(item.lower())
    return None
