"""What the time-series, stat and KPI panels share of their analytics (analytics/): the longer
range their `analytics:` read besides their own (a forecast's `train`, the calendar period a
stat forecasts the end of), a panel's rows as the series a model is fitted on (SQL buckets the
range cuts short left out: today so far is not a fall), and how a forecast reaching a value is
said ("reaches 100% in about 9 days")."""

from __future__ import annotations

import textwrap
import time

import pandas as pd

from analytics.forecast import Reach
from analytics.options import AnalyticsOptions, ForecastOptions
from analytics.series import as_series
from analytics.transforms import period_of
from data.spec import Panel
from data.timerange import TimeRange, duration_words, parse_duration
from panels.axes import bucket_size, buckets
from panels.units import format_value

HOUR, DAY = 3600, 86_400
NOTE_PX_PER_CHAR = 6.5  # the notes' 11 px text over an image: its width in characters


def asked(panel: Panel) -> AnalyticsOptions | None:
    return getattr(panel.options, "analytics", None)


def data_end(time_range: TimeRange) -> float:
    """Where a range's data ends: its end, or now for a range running past now (this month)."""
    return min(time_range.end, time.time())


def history_of(panel: Panel, time_range: TimeRange) -> TimeRange | None:
    """The range a panel's forecast reads besides its own `time_range`: `train` back from where
    its data ends, and the whole calendar period of a forecast `to` one; None when its own
    range holds all it needs."""
    options = asked(panel)
    forecast = options.forecast if options else None
    if forecast is None or (forecast.train is None and forecast.to is None):
        return None
    end = data_end(time_range)
    start, stop = time_range.start, time_range.end
    if forecast.train:
        start = min(start, end - parse_duration(forecast.train))
    if forecast.to:
        first, last = period_of(pd.Timestamp(end - 1, unit="s", tz="UTC"), forecast.to)
        start, stop = min(start, first.timestamp()), max(stop, last.timestamp())
    if start >= time_range.start and stop <= time_range.end:
        return None
    return TimeRange(start, stop)


def model_series(x, values, name: str, time_range: TimeRange, sql: bool,
                 size: float | None = None) -> pd.Series:  # fmt: skip
    """Points over time as a series (UTC, sorted) for a model; from SQL, without the buckets of
    an hour or more (`$__day`, or `size` seconds) that the range or now cuts short: a day so
    far is not a fall."""
    series = as_series(x, values, name)
    if not sql:
        return series
    cut = buckets(pd.Series(series.index), _so_far(time_range), size or bucket_size(series.index))
    return series[~cut.partial] if cut is not None else series


def _so_far(time_range: TimeRange) -> TimeRange:
    return TimeRange(time_range.start, data_end(time_range))


def horizon(options: ForecastOptions, last: pd.Timestamp) -> float:
    """Seconds a forecast runs past `last`: to the end of its calendar period (`to`), or its
    `horizon`."""
    if options.to is None:
        return float(parse_duration(options.horizon))
    _start, end = period_of(last, options.to)
    return max(0.0, (end - last).total_seconds())


def reach_words(reach: Reach, since: pd.Timestamp, unit: str, decimals: int | None) -> str:
    """`reaches 100% in about 9 days (Dec 15; 80 %: 7-12 days)`, of a forecast that does
    (`reach.at`)."""
    value = format_value(reach.value, unit, decimals)
    said = f"reaches {value} in about {_after(since, reach.at)} ({reach.at:%b %-d}"
    if reach.earliest is not None and reach.latest is not None:
        return f"{said}; 80 %: {_span(since, reach.earliest, reach.latest)})"
    if reach.earliest is not None:
        return f"{said}; 80 %: from {_after(since, reach.earliest)})"
    return said + ")"


def beyond_words(value: float, unit: str, decimals: int | None, seconds: float) -> str:
    """`100% within 30 days`: what a forecast that does not reach a value does not reach."""
    within = duration_words(seconds) or f"{seconds / DAY:.0f} days"
    return f"{format_value(value, unit, decimals)} within {within}"


def _after(since: pd.Timestamp, at: pd.Timestamp) -> str:
    seconds = (at - since).total_seconds()
    if seconds >= 2 * DAY:
        return f"{round(seconds / DAY)} days"
    hours = max(1, round(seconds / HOUR))
    return f"{hours} hour{'s' if hours > 1 else ''}"


def _span(since: pd.Timestamp, first: pd.Timestamp, last: pd.Timestamp) -> str:
    """`7-12 days` (both ends in the unit of the later one)."""
    far = _after(since, last)
    unit = DAY if far.endswith("days") else HOUR
    near = max(0, round((first - since).total_seconds() / unit))
    return f"{near}-{far}"


def note_lines(notes: list[str], width_px: float) -> list[str]:
    """The notes joined by " · " in lines that fit `width_px` of an image (a note longer than a
    line wrapped on its own): an image has no room to the right, and cut a migration's third
    component's finish off."""
    chars = max(40, int(width_px / NOTE_PX_PER_CHAR))
    lines: list[str] = []
    for note in notes:
        if lines and len(lines[-1]) + 3 + len(note) <= chars:
            lines[-1] += f" · {note}"
        else:
            lines += textwrap.wrap(note, chars) or [note]
    return lines
