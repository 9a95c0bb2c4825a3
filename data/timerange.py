"""Time ranges as Grafana writes them (`now-24h`, `now/d`, epoch milliseconds, ISO dates) and the
query window a Prometheus range query uses: step, aligned start/end and `$__rate_interval`.

The step follows Grafana: max(min interval, range / max points), rounded up to a "nice" interval so
axis ticks and cache keys are stable; start and end are aligned down to a multiple of the step so
every viewer of "the last 24 hours" within the same step shares one cache key.
"""

from __future__ import annotations

import calendar
import math
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime

MAX_POINTS_PER_SERIES = 11_000
DEFAULT_MAX_POINTS = 1000

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800, "M": 2_592_000, "y": 31_536_000}
# Steps a user reads easily; the computed step is rounded up to the next one.
NICE_STEPS = [
    1,
    2,
    5,
    10,
    15,
    20,
    30,
    60,
    120,
    300,
    600,
    900,
    1200,
    1800,
    3600,
    7200,
    10_800,
    21_600,
    43_200,
    86_400,
    172_800,
    604_800,
]

# Times the app reads: from the epoch to the year 2200 (beyond it datetimes overflow; nothing real
# is dated there).
EARLIEST, LATEST = 0.0, 7_258_118_400.0
_RELATIVE = re.compile(r"^now(?:-(\d{1,9})([smhdwMQy]))?(?:/(f?[QMy]|[smhdw]))?$")
_MONTHS = {"M": 1, "Q": 3, "y": 12}  # calendar units: subtracted and rounded by the calendar
_DURATION = re.compile(r"^(\d{1,9})([smhdwMy])$")


class TimeRangeError(ValueError):
    """A time range or duration the user typed (or put in a URL) that cannot be read."""


def parse_duration(text: str) -> int:
    """`5m` -> 300. Only whole numbers with one unit (s, m, h, d, w, M, y)."""
    match = _DURATION.match(text.strip())
    if not match:
        raise TimeRangeError(
            f"{text[:40]!r} is not a duration; write a number and a unit, e.g. 30s, 5m, 24h, 7d"
        )
    return int(match.group(1)) * UNITS[match.group(2)]


def checked_duration(value: str | None) -> str | None:
    """A spec field that holds a duration (or nothing), as its validator checks it: ValueError
    with the reason when it is not one."""
    if value is not None:
        try:
            parse_duration(value)
        except TimeRangeError as exc:
            raise ValueError(str(exc)) from None
    return value


# A comparison: the period just before the range, as long as it (Grafana users know it as
# "previous period"), or the same range a duration earlier (`7d`, `1y`).
PREVIOUS = "previous"
MAX_COMPARE = 100 * 31_536_000  # seconds back: past it, times leave the years datetimes hold
_UNIT_WORDS = {"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week", "M": "month",
               "y": "year"}  # fmt: skip


def checked_compare(value: str | None) -> str | None:
    """A comparison as a spec or a URL gives it: `previous`, a duration (`7d`), or nothing;
    TimeRangeError with the reason otherwise."""
    if not value:
        return None
    if value != PREVIOUS:
        match = _DURATION.match(value.strip())
        if not match or int(match.group(1)) == 0:
            raise TimeRangeError(
                f"compare {value[:40]!r} is neither 'previous' nor a duration such as 7d or 1y"
            )
        if parse_duration(value) > MAX_COMPARE:
            raise TimeRangeError(f"compare {value!r} reaches back more than 100 years")
    return value


def compare_shift(compare: str, time_range: TimeRange) -> float:
    """How far before `time_range` its comparison period lies, in seconds."""
    return time_range.seconds if compare == PREVIOUS else float(parse_duration(compare))


def compare_words(compare: str) -> str:
    """`7d` -> `7 days earlier`, `1y` -> `1 year earlier`, `previous` -> `previous period`."""
    if compare == PREVIOUS:
        return "previous period"
    match = _DURATION.match(compare.strip())
    if not match:
        return f"{compare} earlier"
    count, unit = int(match.group(1)), _UNIT_WORDS[match.group(2)]
    return f"{count} {unit}{'s' if count != 1 else ''} earlier"


def parse_time(
    text: str, now: float | None = None, *, end: bool = False, fiscal_start: int = 1
) -> float:
    """One end of a range -> unix seconds. Accepts `now`, `now-6h`, `now-1M` (a calendar month
    back), a rounding to the start of its unit (`now/d`, `now/w` from Monday, `now/M`, `now/Q`,
    `now/y`, and the fiscal `now/fQ`, `now/fy` of a year that starts in month `fiscal_start`;
    UTC; as the `end` of a range, the end of the unit, as Grafana reads "to=now/d"), epoch
    milliseconds (Grafana's absolute URLs) and ISO 8601 dates, from 1970 to 2200 (TimeRangeError
    outside)."""
    now = time.time() if now is None else now
    text = str(text).strip()
    moment = _parse_time(text, now, end, fiscal_start)
    if not EARLIEST <= moment <= LATEST:
        raise TimeRangeError(f"{text[:40]!r} is out of range: times run from 1970 to 2200")
    return moment


def _months_back(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the 31st becomes the last day)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _rounded(ts: float, unit: str, end: bool, fiscal_start: int) -> float:
    if unit[-1] not in _MONTHS:  # s, m, h, d, w
        size = UNITS[unit]
        # Weeks start on Monday like Grafana's default; the epoch fell on a Thursday.
        offset = 3 * 86_400 if unit == "w" else 0
        start = (ts + offset) // size * size - offset
        return float(start + size if end else start)
    fiscal = unit.startswith("f")
    span = _MONTHS[unit[-1]]
    first = fiscal_start if fiscal else 1  # the month its years start in
    moment = datetime.fromtimestamp(ts, UTC)
    into = (moment.month - first) % 12 // span * span  # months from the year's start
    begins = _months_back(moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0),
                          (moment.month - first) % 12 - into)  # fmt: skip
    if end:
        begins = _months_back(begins, -span)
    return begins.timestamp()


def _parse_time(text: str, now: float, end: bool, fiscal_start: int) -> float:
    match = _RELATIVE.match(text)
    if match:
        amount, unit, round_to = match.groups()
        ts = now
        if amount and unit in _MONTHS:
            ts = _months_back(datetime.fromtimestamp(now, UTC), int(amount) * _MONTHS[unit])
            ts = ts.timestamp()
        elif amount:
            ts = now - int(amount) * UNITS[unit]
        return _rounded(ts, round_to, end, fiscal_start) if round_to else float(ts)
    if text.isdigit():
        return int(text[:20]) / 1000 if len(text) <= 20 else math.inf
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise TimeRangeError(
            f"{text[:40]!r} is not a time; use now, now-24h, now/d, now/M, now/Q, epoch "
            "milliseconds or an ISO date"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


@dataclass(frozen=True)
class TimeRange:
    """A resolved range in unix seconds, with the text it came from (kept for URLs and titles)."""

    start: float
    end: float
    raw_from: str = ""
    raw_to: str = ""

    @classmethod
    def parse(
        cls,
        from_: str = "now-24h",
        to: str = "now",
        now: float | None = None,
        fiscal_start: int = 1,
    ) -> TimeRange:
        now = time.time() if now is None else now
        start = parse_time(from_, now, fiscal_start=fiscal_start)
        end = parse_time(to, now, end=True, fiscal_start=fiscal_start)
        if start >= end:
            raise TimeRangeError(f"the range {from_} to {to} is empty: 'from' must be before 'to'")
        return cls(start, end, str(from_), str(to))

    @property
    def seconds(self) -> float:
        return self.end - self.start

    def shifted(self, seconds: float) -> TimeRange:
        """The same range moved back by `seconds` (a panel's "compare with previous period")."""
        return TimeRange(self.start - seconds, self.end - seconds, self.raw_from, self.raw_to)


@dataclass(frozen=True)
class QueryWindow:
    """What a range query is sent with; all whole seconds, so the window can be a cache key."""

    start: int
    end: int
    step: int
    rate_interval: int

    @property
    def points(self) -> int:
        return (self.end - self.start) // self.step + 1

    def cache_key(self) -> str:
        return f"{self.start}:{self.end}:{self.step}"


def nice_step(seconds: float) -> int:
    for step in NICE_STEPS:
        if step >= seconds:
            return step
    return math.ceil(seconds / NICE_STEPS[-1]) * NICE_STEPS[-1]


def query_window(
    time_range: TimeRange,
    *,
    scrape_interval: float = 15,
    max_points: int = DEFAULT_MAX_POINTS,
    min_interval: float | None = None,
) -> QueryWindow:
    """The Grafana step for this range, with start and end aligned down to it."""
    if max_points < 1:
        raise TimeRangeError(f"max points must be at least 1, got {max_points}")
    max_points = min(max_points, MAX_POINTS_PER_SERIES)
    floor = min_interval if min_interval is not None else scrape_interval
    step = max(math.ceil(floor), nice_step(time_range.seconds / max_points))
    # Rounding to a nice step can only lower the number of points, never exceed max points.
    start = int(time_range.start // step * step)
    end = int(time_range.end // step * step)
    if end <= start:
        end = start + step
    scrape = math.ceil(scrape_interval)
    return QueryWindow(start, end, step, max(step + scrape, 4 * scrape))


def duration_words(seconds: float) -> str | None:
    """As Grafana's quick ranges say them: `5 minutes`, `24 hours`, `1 hour`, `7 days` (days from
    two days on); None for a span of no whole minutes."""
    seconds = int(seconds)
    units = ((86_400, "day", 2 * 86_400), (3600, "hour", 3600), (60, "minute", 60))
    for size, unit, least in units:
        if seconds >= least and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}" + ("s" if count > 1 else "")
    return None


def readable_time(text: str) -> str:
    """An end of a range as a person reads it: epoch milliseconds (a box zoom's, Grafana's URLs)
    as `2026-11-23 14:05:00` (UTC, which parse_time reads back); anything else as written."""
    text = str(text).strip()
    if not text.isdigit() or len(text) > 20:
        return text
    try:
        moment = datetime.fromtimestamp(int(text) / 1000, UTC)
    except (OverflowError, OSError, ValueError):  # past datetime's years: left for the range check
        return text
    return f"{moment:%Y-%m-%d %H:%M:%S}"


def format_duration(seconds: float) -> str:
    """300 -> `5m`, the way PromQL range selectors want it."""
    seconds = int(seconds)
    for unit in ("w", "d", "h", "m"):
        if seconds % UNITS[unit] == 0 and seconds >= UNITS[unit]:
            return f"{seconds // UNITS[unit]}{unit}"
    return f"{seconds}s"
