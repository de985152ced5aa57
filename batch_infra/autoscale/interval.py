"""The timeinterval value: an exact count of 100-ns ticks with .NET TimeSpan's arithmetic and range."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

TICKS_PER_SECOND = 10_000_000
# TimeSpan is a signed 64-bit tick count; arithmetic past it throws OverflowException in .NET.
MIN_TICKS, MAX_TICKS = -(2**63), 2**63 - 1


def _checked(ticks: int) -> Interval:
    if not MIN_TICKS <= ticks <= MAX_TICKS:
        raise OverflowError("timeinterval overflow: the result is longer than about 29,227 years")
    return Interval(ticks)


@dataclass(frozen=True, order=True, slots=True)
class Interval:
    """A timeinterval; timedelta cannot hold TimeInterval_100ns (its resolution is one microsecond)."""

    ticks: int

    @classmethod
    def of(cls, *, days: int = 0, hours: int = 0, minutes: int = 0, seconds: int = 0) -> Interval:
        return cls((((days * 24 + hours) * 60 + minutes) * 60 + seconds) * TICKS_PER_SECOND)

    @classmethod
    def from_timedelta(cls, value: timedelta) -> Interval:
        return cls(((value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds) * 10)

    def seconds(self) -> float:
        return self.ticks / TICKS_PER_SECOND

    def to_timedelta(self) -> timedelta:
        """Rounded to whole microseconds, the resolution of the timestamps it is added to."""
        return timedelta(microseconds=round(self.ticks / 10))

    def __add__(self, other: object) -> Interval | datetime:
        if isinstance(other, Interval):
            return _checked(self.ticks + other.ticks)
        if isinstance(other, datetime):
            return other + self.to_timedelta()
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, other: object) -> Interval:
        if isinstance(other, Interval):
            return _checked(self.ticks - other.ticks)
        return NotImplemented

    def __rsub__(self, other: object) -> datetime:
        if isinstance(other, datetime):  # timestamp - timeinterval: an undocumented gap, warned by check()
            return other - self.to_timedelta()
        return NotImplemented

    def __neg__(self) -> Interval:
        return _checked(-self.ticks)

    def __mul__(self, factor: object) -> Interval:
        if not isinstance(factor, float | int):
            return NotImplemented
        return scale(self, float(factor))

    __rmul__ = __mul__

    def __truediv__(self, divisor: object) -> Interval:
        if not isinstance(divisor, float | int):
            return NotImplemented
        if divisor == 0:
            raise ValueError("a timeinterval divided by zero")
        return _divide(self, float(divisor))


def scale(value: Interval, factor: float) -> Interval:
    """TimeSpan * double: the product rounded to the nearest tick; NaN and overflow fail as in .NET."""
    product = value.ticks * factor
    if math.isnan(product):
        raise ValueError("a timeinterval multiplied by NaN (.NET TimeSpan does not accept NaN)")
    if math.isinf(product) or not MIN_TICKS <= product <= MAX_TICKS:
        raise OverflowError("timeinterval overflow: the product is longer than about 29,227 years")
    return _checked(round(product))


def _divide(value: Interval, divisor: float) -> Interval:
    quotient = value.ticks / divisor
    if math.isnan(quotient):
        raise ValueError("a timeinterval divided by NaN")
    if math.isinf(quotient) or not MIN_TICKS <= quotient <= MAX_TICKS:
        raise OverflowError("timeinterval overflow: the quotient is longer than about 29,227 years")
    return _checked(round(quotient))


def between(later: datetime, earlier: datetime) -> Interval:
    """timestamp - timestamp."""
    return Interval.from_timedelta(later - earlier)
