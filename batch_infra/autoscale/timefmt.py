"""Date strings accepted by time(): W3C-DTF and RFC 1123; and the service's printing of times and doubles."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

from batch_infra.autoscale.interval import TICKS_PER_SECOND, Interval

_W3C = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d+))?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?"
)
_RFC1123 = re.compile(  # RFC 1123 section 5.2.14 allows a 1- or 2-digit day
    r"(?P<wday>Mon|Tue|Wed|Thu|Fri|Sat|Sun), (?P<day>\d{1,2}) "
    r"(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" (?P<year>\d{4}) (?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2}) (?:GMT|UTC)"
)
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_WEEKDAYS = "Mon Tue Wed Thu Fri Sat Sun".split()
MAX_FRACTION_DIGITS = 7  # .NET DateTime parsing; nextflow #3866: 9 digits made evaluation fail


class TimeFormatError(ValueError):
    """A time() string that the service cannot parse."""


def parse_time_string(text: str) -> datetime:
    """Parse a W3C-DTF or RFC 1123 date string to an aware UTC datetime, or raise TimeFormatError."""
    w3c = _W3C.fullmatch(text)
    if w3c:
        return _from_w3c(text, w3c)
    rfc = _RFC1123.fullmatch(text)
    if rfc:
        return _from_rfc1123(text, rfc)
    raise TimeFormatError(
        f"time({text!r}): not a W3C-DTF date (2024-01-31T08:00:00Z) or an RFC 1123 date "
        "(Wed, 31 Jan 2024 08:00:00 GMT)"
    )


def _from_rfc1123(text: str, rfc: re.Match[str]) -> datetime:
    stamp = _build(
        text,
        int(rfc["year"]),
        _MONTHS.index(rfc["mon"]) + 1,
        int(rfc["day"]),
        int(rfc["hour"]),
        int(rfc["minute"]),
        int(rfc["second"]),
        0,
        timedelta(0),
    )
    # .NET's "r" parsing rejects a day name that contradicts the date (FormatException).
    actual = _WEEKDAYS[stamp.weekday()]
    if rfc["wday"] != actual:
        raise TimeFormatError(
            f"time({text!r}): {stamp:%d %b %Y} is a {actual}, not a {rfc['wday']}; fix the day name"
        )
    return stamp


def _from_w3c(text: str, match: re.Match[str]) -> datetime:
    fraction = match["fraction"] or ""
    if len(fraction) > MAX_FRACTION_DIGITS:
        raise TimeFormatError(
            f"time({text!r}): {len(fraction)} fractional-second digits; the service accepts at "
            f"most {MAX_FRACTION_DIGITS} (truncate to microseconds)"
        )
    tz = match["tz"] or "Z"
    offset = (
        timedelta(0)
        if tz == "Z"
        else (1 if tz[0] == "+" else -1) * timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))
    )
    micro = int((fraction + "000000")[:6]) if fraction else 0
    return _build(
        text,
        int(match["year"]),
        int(match["month"] or 1),
        int(match["day"] or 1),
        int(match["hour"] or 0),
        int(match["minute"] or 0),
        int(match["second"] or 0),
        micro,
        offset,
    )


def _build(
    text: str,
    year: int,
    month: int,
    day: int,
    hour: int,
    minute: int,
    second: int,
    micro: int,
    offset: timedelta,
) -> datetime:
    try:
        local = datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)
    except ValueError as err:
        raise TimeFormatError(f"time({text!r}): {err}") from err
    return local - offset


def format_double(value: float) -> str:
    """Doubles as the service prints them: no trailing '.0', up to 15 significant digits."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return format(value, ".15g")


def format_timestamp(value: datetime) -> str:
    """ISO 8601 with milliseconds and Z, as in autoScaleRun.results (2016-10-13T19:18:47.805Z)."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def format_interval(value: Interval) -> str:
    """Undocumented in results; printed like .NET TimeSpan's constant format: [-][d.]hh:mm:ss[.fffffff]."""
    sign = "-" if value.ticks < 0 else ""
    seconds, fraction_ticks = divmod(abs(value.ticks), TICKS_PER_SECOND)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    day_part = f"{days}." if days else ""
    fraction = f".{fraction_ticks:07d}" if fraction_ticks else ""
    return f"{sign}{day_part}{hours:02d}:{minutes:02d}:{seconds:02d}{fraction}"
