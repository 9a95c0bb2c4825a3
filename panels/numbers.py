"""Numbers panel types share: one value from a query, its text and colour (a mapping first,
else unit and thresholds), its change against the `compare` period, a series' latest value."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from data.panel_data import QueryFrame
from data.spec import Panel
from data.timerange import compare_words
from panels.theme import NEUTRAL, color
from panels.units import apply_mapping, format_value, threshold_color

REDUCERS = ("last", "mean", "max", "min", "sum")


def latest_by_series(frame: pd.DataFrame) -> pd.DataFrame:
    """The last value of each series (what a stat, gauge or bar gauge shows)."""
    if frame.empty:
        return frame
    ordered = frame.sort_values("x") if "x" in frame else frame
    return ordered.groupby("series", sort=False).tail(1)


def reduce_value(frames: list[QueryFrame], how: str = "last") -> float | None:
    """One number from the first query: the sum of each series' last value, or a reducer over
    every point (mean, max, min, sum)."""
    if not frames or frames[0].tidy.empty:
        return None
    tidy = frames[0].tidy
    if how == "last":
        last = latest_by_series(tidy)
        return float(pd.to_numeric(last["value"], errors="coerce").sum())
    values = pd.to_numeric(tidy["value"], errors="coerce").dropna()
    return float(getattr(values, how)()) if not values.empty else None


@dataclass(frozen=True)
class Shown:
    """A value as a panel shows it: its text and its colour."""

    text: str
    color: str
    mapped: bool = False  # the text is a value mapping's, not a number


def shown(panel: Panel, value) -> Shown:
    mapping = apply_mapping(value, panel.mappings)
    if mapping is not None:
        return Shown(mapping.text, color(mapping.color or NEUTRAL), mapped=True)
    tint = color(threshold_color(value, panel.thresholds, NEUTRAL))
    return Shown(format_value(value, panel.unit, panel.decimals), tint)


@dataclass(frozen=True)
class Change:
    """The change against the `compare` period, as a panel says it; `mood` is good, bad, or
    flat when it rounds to 0.0 % (no red arrow for a steady value)."""

    percent: float
    previous: float
    text: str
    mood: str


def change(panel: Panel, value: float | None, previous: float | None, lower_is_better: bool):
    if value is None or previous in (None, 0):
        return None
    percent = (value - previous) / abs(previous) * 100
    when = f"vs {compare_words(panel.compare)}"
    if round(percent, 1) == 0:
        return Change(percent, previous, f"no change {when}", "flat")
    good = (percent < 0) if lower_is_better else (percent > 0)
    arrow = "▲" if percent > 0 else "▼"
    return Change(
        percent, previous, f"{arrow} {abs(percent):.1f}% {when}", "good" if good else "bad"
    )


def sparkline_points(frames: list[QueryFrame]) -> pd.Series | None:
    """The first query's values summed over series, by time; None when too few to draw."""
    tidy = frames[0].tidy if frames else None
    if tidy is None or tidy.empty or tidy["x"].nunique() < 3:
        return None
    return tidy.groupby("x", sort=True)["value"].sum()


def totals_by_category(tidy: pd.DataFrame) -> tuple[list[str], list[float]]:
    """Each category's (x's) total over the series, in the order the rows first name them."""
    grouped = tidy.groupby("x", sort=False)["value"].sum()
    return [str(v) for v in grouped.index], [float(v) for v in grouped.tolist()]
