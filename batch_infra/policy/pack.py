"""CrossGuard stack policies built from the baseline rules (`pulumi preview --policy-pack policy`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from batch_infra.policy.rules import RULES, Resource, Rule

PACK_NAME = "batch-infra-security-baseline"


def resources_of(args: Any) -> list[Resource]:
    """The rules' view of CrossGuard's StackValidationArgs: type token, name, input properties."""
    return [Resource(r.resource_type, r.name, dict(r.props or {})) for r in args.resources]


def validator(rule: Rule) -> Callable[[Any, Callable[..., None]], None]:
    def validate(args: Any, report_violation: Callable[..., None]) -> None:
        for message in rule.check(resources_of(args)):
            report_violation(message)

    return validate


def policies(levels: Mapping[str, str] | None = None) -> list[Any]:
    """One StackValidationPolicy per rule; `levels` (rule name -> mandatory/advisory/disabled) overrides
    the rule's default, as a stack's `policies.securityBaseline` does for preflight."""
    from pulumi_policy import EnforcementLevel, StackValidationPolicy

    chosen = {rule.name: (levels or {}).get(rule.name, rule.default) for rule in RULES}
    return [
        StackValidationPolicy(
            name=rule.name,
            description=f"{rule.description} ({rule.source})",
            enforcement_level=EnforcementLevel(chosen[rule.name]),
            validate=validator(rule),
        )
        for rule in RULES
    ]
