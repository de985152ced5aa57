"""The vocabulary of the autoscale language: types, service variables, functions, methods, constants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

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


TARGET_DEDICATED = "$TargetDedicatedNodes"
TARGET_LOW_PRIORITY = "$TargetLowPriorityNodes"
DEALLOCATION = "$NodeDeallocationOption"
TARGETS = (TARGET_DEDICATED, TARGET_LOW_PRIORITY)

_METRICS = (
    "$CPUPercent $WallClockSeconds $MemoryBytes $DiskBytes $DiskReadBytes $DiskWriteBytes $DiskReadOps "
    "$DiskWriteOps $NetworkInBytes $NetworkOutBytes $SampleNodeCount $ActiveTasks $RunningTasks "
    "$PendingTasks $SucceededTasks $FailedTasks $PreemptedNodeCount"
).split()

_LEGACY = "legacy name (2017 and earlier); use {canonical}"
_2015 = "2015 name, probably not recognised by the service (it would silently become a user variable); use {canonical}"

SERVICE_VARIABLES: dict[str, ServiceVariable] = {
    v.name: v
    for v in [
        ServiceVariable(TARGET_DEDICATED, Type.DOUBLE, writable=True),
        ServiceVariable(TARGET_LOW_PRIORITY, Type.DOUBLE, writable=True),
        ServiceVariable(DEALLOCATION, Type.DEALLOC, writable=True),
        ServiceVariable("$TargetDedicated", Type.DOUBLE, True, TARGET_DEDICATED, _LEGACY),
        ServiceVariable("$TargetLowPriority", Type.DOUBLE, True, TARGET_LOW_PRIORITY, _LEGACY),
        ServiceVariable("$TVMDeallocationOption", Type.DEALLOC, True, DEALLOCATION, _2015),
        *(ServiceVariable(name, Type.METRIC) for name in _METRICS),
        ServiceVariable("$SampleTVMCount", Type.METRIC, False, "$SampleNodeCount", _2015),
        ServiceVariable("$CurrentDedicatedNodes", Type.DOUBLE),
        ServiceVariable("$CurrentLowPriorityNodes", Type.DOUBLE),
        ServiceVariable("$TaskSlotsPerNode", Type.DOUBLE),
        ServiceVariable(
            "$UsableNodeCount",
            Type.DOUBLE,
            note="only in the current docs as quoted by third parties; confirm it with a live evaluation",
        ),
        ServiceVariable("$CurrentDedicated", Type.DOUBLE, False, "$CurrentDedicatedNodes", _LEGACY),
    ]
}


def canonical_name(name: str) -> str:
    """The current name of a service variable (its alias resolved), or `name` itself."""
    variable = SERVICE_VARIABLES.get(name)
    return variable.canonical if variable and variable.canonical else name


DEALLOCATION_OPTIONS = ("requeue", "terminate", "taskcompletion", "retaineddata")

TIME_INTERVALS: dict[str, timedelta] = {
    "TimeInterval_Zero": timedelta(0),
    "TimeInterval_100ns": timedelta(microseconds=0.1),
    "TimeInterval_Microsecond": timedelta(microseconds=1),
    "TimeInterval_Millisecond": timedelta(milliseconds=1),
    "TimeInterval_Second": timedelta(seconds=1),
    "TimeInterval_Minute": timedelta(minutes=1),
    "TimeInterval_Hour": timedelta(hours=1),
    "TimeInterval_Day": timedelta(days=1),
    "TimeInterval_Week": timedelta(weeks=1),
    "TimeInterval_Year": timedelta(days=365),
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
