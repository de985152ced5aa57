"""Azure Batch autoscale formulas offline: check, evaluate, cap and simulate (see SPEC in ../shared/reference)."""

from batch_infra.autoscale.diagnostics import CheckResult, Diagnostic
from batch_infra.autoscale.validation import check

__all__ = ["CheckResult", "Diagnostic", "check"]
