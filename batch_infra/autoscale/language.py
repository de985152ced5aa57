"""The vocabulary of the autoscale language: types, service variables, functions, methods, constants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from batch_infra.autoscale.interval import Interval

MAX_FORMULA_CHARS = 8192
MAX_STATEMENTS = 100
SAMPLE_PERIOD = timedelta(seconds=30)


class Type(Enum):
    """Value types of SPEC.md section 4, plus the validator's pseudo-types."""

    DOUBLE = "double"
    VEC = "doubleVec"
    STRING = "string"
    TIMESTAMP = "timestamp"
    INTERVAL = "timeinterval"
    METRIC = "metric"
    DEALLOC = "deallocOption"
    NONE = "none"  # stop(): no value
    UNKNOWN = "unknown"  # an error was already reported; suppresses cascades


@dataclass(frozen=True)
class ServiceVariable:
    name: str
    type: Type
    writable: bool = False
    canonical: str | None = None  # set on legacy aliases: the current name
    note: str | None = None  # why the validator warns when the name is used
    # False for the 2015 names (SPEC.md section 8): typed like their successors so check() explains them,
    # but the service treats them as plain user variables, so they have no effect when evaluated.
    recognised: bool = True
    replacement: str | None = None  # the name to use instead, for legacy and 2015 names


TARGET_DEDICATED = "$TargetDedicatedNodes"
TARGET_LOW_PRIORITY = "$TargetLowPriorityNodes"
DEALLOCATION = "$NodeDeallocationOption"
TARGETS = (TARGET_DEDICATED, TARGET_LOW_PRIORITY)

_METRICS = (
    "$CPUPercent $WallClockSeconds $MemoryBytes $DiskBytes $DiskReadBytes $DiskWriteBytes $DiskReadOps "
    "$DiskWriteOps $NetworkInBytes $NetworkOutBytes $SampleNodeCount $ActiveTasks $RunningTasks "
    "$PendingTasks $SucceededTasks $FailedTasks $PreemptedNodeCount"
).split()

# Every metric the service samples for a pool, every 30 s (a simulator samples them all: 0 where its model
# has nothing to count, as the service reports an idle pool).
SERVICE_METRICS: tuple[str, ...] = tuple(_METRICS)

_LEGACY = "legacy name (2017 and earlier); use {canonical}"
_2015 = (
    "2015 name, probably not recognised by the service: it is a plain user variable "
    "with no effect on the pool; use {canonical}"
)

SERVICE_VARIABLES: dict[str, ServiceVariable] = {
    v.name: v
    for v in [
        ServiceVariable(TARGET_DEDICATED, Type.DOUBLE, writable=True),
        ServiceVariable(TARGET_LOW_PRIORITY, Type.DOUBLE, writable=True),
        ServiceVariable(DEALLOCATION, Type.DEALLOC, writable=True),
        ServiceVariable(
            "$TargetDedicated", Type.DOUBLE, True, TARGET_DEDICATED, _LEGACY, True, TARGET_DEDICATED
        ),
        ServiceVariable(
            "$TargetLowPriority", Type.DOUBLE, True, TARGET_LOW_PRIORITY, _LEGACY, True, TARGET_LOW_PRIORITY
        ),
        ServiceVariable("$TVMDeallocationOption", Type.DEALLOC, True, None, _2015, False, DEALLOCATION),
        *(ServiceVariable(name, Type.METRIC) for name in _METRICS),
        ServiceVariable("$SampleTVMCount", Type.METRIC, False, None, _2015, False, "$SampleNodeCount"),
        ServiceVariable("$CurrentDedicatedNodes", Type.DOUBLE),
        ServiceVariable("$CurrentLowPriorityNodes", Type.DOUBLE),
        ServiceVariable("$TaskSlotsPerNode", Type.DOUBLE),
        ServiceVariable(
            "$UsableNodeCount",
            Type.DOUBLE,
            note="only in the current docs as quoted by third parties; confirm it with a live evaluation",
        ),
        ServiceVariable(
            "$CurrentDedicated",
            Type.DOUBLE,
            False,
            "$CurrentDedicatedNodes",
            _LEGACY,
            True,
            "$CurrentDedicatedNodes",
        ),
    ]
}
# Reads and writes of a legacy alias share one value with its current name (SPEC.md section 5.1).
ALIASES = {v.canonical: v.name for v in SERVICE_VARIABLES.values() if v.canonical and v.writable}


def recognised(name: str) -> bool:
    """True for the service variables the service knows (the 2015 names are user variables to it)."""
    variable = SERVICE_VARIABLES.get(name)
    return variable is not None and variable.recognised


def canonical_name(name: str) -> str:
    """The current name of a service variable (its alias resolved), or `name` itself."""
    variable = SERVICE_VARIABLES.get(name)
    return variable.canonical if variable and variable.canonical else name


DEALLOCATION_OPTIONS = ("requeue", "terminate", "taskcompletion", "retaineddata")

TIME_INTERVALS: dict[str, Interval] = {
    "TimeInterval_Zero": Interval(0),
    "TimeInterval_100ns": Interval(1),
    "TimeInterval_Microsecond": Interval(10),
    "TimeInterval_Millisecond": Interval(10_000),
    "TimeInterval_Second": Interval.of(seconds=1),
    "TimeInterval_Minute": Interval.of(minutes=1),
    "TimeInterval_Hour": Interval.of(hours=1),
    "TimeInterval_Day": Interval.of(days=1),
    "TimeInterval_Week": Interval.of(days=7),
    "TimeInterval_Year": Interval.of(days=365),
}

TIMESTAMP_MEMBERS = ("year", "month", "day", "weekday", "hour", "minute", "second")

# Aggregates take a doubleVecList and return a double.
AGGREGATES = frozenset({"avg", "len", "max", "min", "norm", "range", "std", "sum"})
# Element-wise functions: double -> double, doubleVecList -> doubleVec.
ELEMENTWISE = frozenset({"lg", "ln", "log", "ceil", "floor", "round"})
SECONDARY_FUNCTIONS = frozenset({"ceil", "floor", "round"})
FUNCTIONS = AGGREGATES | ELEMENTWISE | {"percentile", "rand", "stop", "time", "val", "vec"}

# name -> (minimum, maximum) number of arguments
METHODS: dict[str, tuple[int, int]] = {
    "GetSample": (1, 3),
    "GetSamplePercent": (1, 2),
    "GetSamplePeriod": (0, 0),
    "Count": (0, 0),
    "HistoryBeginTime": (0, 0),
}

# Words people write for operators or statements that do not exist; the parser names the fix.
FOREIGN_KEYWORDS = {
    "and": "logical operators are && and ||, not words",
    "or": "logical operators are && and ||, not words",
    "not": "logical negation is '!', not a word",
    "if": "there are no if statements; use the ternary operator: condition ? a : b",
    "else": "there are no if/else statements; use the ternary operator: condition ? a : b",
    "while": "there are no loops in autoscale formulas",
    "for": "there are no loops in autoscale formulas",
}

RESERVED_BARE_NAMES = FUNCTIONS | set(METHODS) | set(TIME_INTERVALS) | set(DEALLOCATION_OPTIONS)
