"""Azure Batch autoscale formulas offline: check, evaluate, cap and simulate (SPEC in ../shared/reference)."""

from batch_infra.autoscale.caps import cap_formula
from batch_infra.autoscale.diagnostics import CheckResult, Diagnostic
from batch_infra.autoscale.evaluator import (
    AutoScaleRunError,
    EvaluationResult,
    FormulaInvalidError,
    PoolState,
    evaluate,
)
from batch_infra.autoscale.metrics import Metrics, MetricSeries, MetricsFileError
from batch_infra.autoscale.validation import check

__all__ = [
    "AutoScaleRunError",
    "CheckResult",
    "Diagnostic",
    "cap_formula",
    "EvaluationResult",
    "FormulaInvalidError",
    "MetricSeries",
    "Metrics",
    "MetricsFileError",
    "PoolState",
    "check",
    "evaluate",
]
