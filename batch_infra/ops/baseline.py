"""The security baseline (batch_infra.policy.rules) over a planned stack, at the stack's own levels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from batch_infra.ops.plan import Plan
from batch_infra.policy.rules import RULES, Resource


@dataclass(frozen=True)
class Finding:
    rule: str
    level: str  # mandatory | advisory
    message: str
    source: str


@dataclass(frozen=True)
class BaselineResult:
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        """False when a mandatory rule is violated (preflight then exits 1, as `pulumi preview` would)."""
        return not any(f.level == "mandatory" for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "findings": [vars(f) for f in self.findings]}


def check_plan(plan: Plan, policies: Any) -> BaselineResult:
    resources = [Resource(r.type, r.name, r.properties) for r in plan.resources if r.custom]
    findings = []
    for rule in RULES:
        level = policies.baseline_level(rule.name, rule.default)
        if level == "disabled":
            continue
        findings += [Finding(rule.name, level, message, rule.source) for message in rule.check(resources)]
    return BaselineResult(findings)
