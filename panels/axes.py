"""Axes and coordinates the chart types share: a value axis in the panel's unit, durations counted
in minutes, hours or days rather than "4ks", time axes labelled the way Grafana does, times as
epoch milliseconds, compact coordinates, and the buckets a range cuts short."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.spec import Panel
from data.timerange import TimeRange
from panels.figures import typed
from panels.theme import base_layout
from panels.units import axis_format, duration_scale, format_value

GRID = "#eef0f3"


def top(values: pd.Series) -> float:
    numbers = pd.to_numeric(values, errors="coerce").abs()
    return float(numbers.max()) if numbers.notna().any() else 0.0


def display_unit(panel: Panel, values: pd.Series) -> tuple[float, str]:
    """(divisor, unit) the chart counts in: durations past two minutes in minutes, and so on."""
    return duration_scale(panel.unit, top(values) if len(values) else 0.0)


def chart_layout(
    panel: Panel,
    values: pd.Series | None = None,
    axis: str = "yaxis",
    scale: tuple[float, str] | None = None,
    **extra,
) -> dict:
    """The panel's layout; `values` (already divided as `scale` says) set the value axis."""
    layout = base_layout(panel.height)
    if values is not None:
        divisor, unit = scale or (1.0, panel.unit)
        ticks, _hover = axis_format(unit, panel.decimals)
        highest = top(values)
        if ticks.get("tickformat") == ".3~s" and unit != "s" and highest < 1000:
            ticks = {**ticks, "tickformat": ",.3~r"}  # 0.06 ops/s and 0.5, not 60m and 500m
        layout[axis] = {**ticks, "rangemode": "tozero", "gridcolor": GRID}
        if panel.min is not None or panel.max is not None:
            layout[axis]["range"] = [
                None if bound is None else bound / divisor for bound in (panel.min, panel.max)
            ]
        if axis == "yaxis":
            # Room for the widest tick label ("1.5K req/s"): about 7 px a character.
            label = len(format_value(highest * divisor, panel.unit))
            layout["margin"] = {**layout["margin"], "l": max(36, 7 * label + 10)}
    layout.update(extra)
    return layout


def epoch_ms(times: pd.Series) -> np.ndarray:
    """Times as float milliseconds: plotly reads numbers on a date axis as UTC epoch ms, and numpy
    arrays travel as compact typed arrays instead of one ISO string per point."""
    return (times.astype("datetime64[ms, UTC]").astype("int64")).to_numpy(dtype=np.float64)


def coordinates(times: pd.Series, values: np.ndarray, is_time: bool) -> tuple[dict, int]:
    """Trace coordinates and their number. Regularly spaced samples (every Prometheus range
    result) go as x0 + dx and the values alone, missing steps as gaps: half the bytes of sending
    every x."""
    values = np.asarray(values, dtype=np.float32)
    if not is_time:
        return {"x": list(times), "y": typed(values)}, len(values)
    ms = epoch_ms(times)
    diffs = np.diff(ms)
    if len(ms) < 3 or diffs.min() <= 0 or np.any(np.mod(diffs, diffs.min()) != 0):
        return {"x": typed(ms), "y": typed(values)}, len(values)
    step = diffs.min()
    filled = np.full(int((ms[-1] - ms[0]) // step) + 1, np.nan, dtype=np.float32)
    filled[((ms - ms[0]) // step).astype(int)] = values
    return {"x0": float(ms[0]), "dx": float(step), "y": typed(filled)}, len(filled)


def category_labels(values: pd.Series) -> list:
    """Category labels; dates as ISO strings (what plotly.js reads as a date axis)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return [v.isoformat() for v in values]
    return values.tolist()


def is_time(values: pd.Series) -> bool:
    return len(values) > 0 and pd.api.types.is_datetime64_any_dtype(values)


def as_dates(values: pd.Series) -> pd.Series | None:
    """Times, or SQL's dates as text (`$__day` gives '2026-11-23') as times; None for anything
    else (names, numbers)."""
    if is_time(values):
        return values
    if not len(values) or pd.api.types.is_numeric_dtype(values):
        return None
    try:
        return pd.to_datetime(values, utc=True, format="ISO8601")
    except (ValueError, TypeError):
        return None


DAY_MS = 86_400_000


def time_axis(time_range: TimeRange, step: float = 0) -> dict:
    """A date axis labelled as Grafana does: one short line per tick, never turned ("12:00" over
    a day, "Dec 1" over weeks, "Dec 2026" over a year), the format following the tick spacing
    plotly picks for the width the chart has (about one tick per 80 px: a third of a page or a
    phone gets fewer ticks, not longer or turned ones). Ticks within a day say the day too when
    the range is longer than one. The hover says the whole time (the day, for daily points)."""
    within_day = "%H:%M" if time_range.seconds <= 36 * 3600 else "%b %-d %H:%M"
    stops = [
        {"dtickrange": [None, 59_999], "value": "%H:%M:%S"},
        {"dtickrange": [60_000, DAY_MS - 1], "value": within_day},
        {"dtickrange": [DAY_MS, "M1"], "value": "%b %-d"},
        {"dtickrange": ["M1", "M11"], "value": "%b %Y"},
        {"dtickrange": ["M12", None], "value": "%Y"},
    ]
    return {
        "type": "date",
        "tickformatstops": stops,
        "tickangle": 0,
        "tickfont": {"size": 11},
        "hoverformat": "%a %Y-%m-%d" if step >= 86_400 else "%a %Y-%m-%d %H:%M",
        "gridcolor": GRID,
    }


_BUCKET_WORDS = {3600: "hour", 86_400: "day", 604_800: "week"}


@dataclass(frozen=True)
class Buckets:
    """SQL rows grouped by time (`$__day`, `$__week`, `$__timeGroup`): each x is the start of a
    bucket `size` seconds long; `partial` marks the ones the range cuts short (the first day
    before `from`, today before its end), drawn as partial so that they do not read as a fall."""

    size: float
    partial: np.ndarray  # of bool, one per x
    words: str  # "partial day"

    @property
    def any(self) -> bool:
        return bool(self.partial.any())


def _seconds(times) -> np.ndarray | None:
    moments = pd.to_datetime(pd.Series(times), utc=True, errors="coerce")
    if moments.isna().any() or not len(moments):
        return None
    return moments.astype("datetime64[s, UTC]").astype("int64").to_numpy(dtype=np.float64)


def bucket_size(times) -> float | None:
    """The size of the buckets behind `times` (every series' of a panel: one series may skip
    days): their closest spacing, in seconds; None with fewer than two."""
    seconds = _seconds(times)
    gaps = np.diff(np.unique(seconds)) if seconds is not None else []
    return float(gaps.min()) if len(gaps) else None


def buckets(times: pd.Series, time_range: TimeRange, size: float | None) -> Buckets | None:
    """The buckets behind `times`, each `size` seconds long; None when they are not buckets of
    an hour or more (samples, or no size)."""
    seconds = _seconds(times)
    if seconds is None or size is None or size < 3600:
        return None
    partial = (seconds < time_range.start - 1) | (seconds + size > time_range.end + 1)
    words = _BUCKET_WORDS.get(int(size), "period")
    return Buckets(size, partial, f"partial {words}")
