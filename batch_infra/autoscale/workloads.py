"""Generated workloads for the simulator: task arrivals per 30-s tick (constant, ramp, burst, diurnal)."""

from __future__ import annotations

import math
from dataclasses import dataclass

_TICK_MINUTES = 0.5


@dataclass(frozen=True)
class Workload:
    """Tasks arriving over time; `rate` is tasks per minute at the workload's peak."""

    name: str
    rate: float = 4.0
    period_hours: float = 24.0  # ramp length, burst spacing or day length

    def arrivals(self, elapsed_seconds: float) -> float:
        """Tasks arriving during the 30-s tick that starts `elapsed_seconds` into the simulation."""
        hours = elapsed_seconds / 3600
        phase = (hours % self.period_hours) / self.period_hours
        if self.name == "constant":
            return self.rate * _TICK_MINUTES
        if self.name == "ramp":  # 0 up to `rate` over each period
            return self.rate * phase * _TICK_MINUTES
        if self.name == "burst":  # an hour's worth of work arriving at once, every period
            return self.rate * 60 if elapsed_seconds % (self.period_hours * 3600) < 30 else 0.0
        if self.name == "diurnal":  # busy in daylight (06:00-18:00 peak at noon), idle at night
            return self.rate * max(0.0, math.sin(math.pi * (phase * 24 - 6) / 12)) * _TICK_MINUTES
        raise ValueError(f"unknown workload {self.name!r}; choose one of {', '.join(WORKLOADS)}")


WORKLOADS = ("constant", "ramp", "burst", "diurnal")


def workload(name: str, rate: float = 4.0, period_hours: float = 24.0) -> Workload:
    if name not in WORKLOADS:
        raise ValueError(f"unknown workload {name!r}; choose one of {', '.join(WORKLOADS)}")
    return Workload(name, rate, period_hours)
