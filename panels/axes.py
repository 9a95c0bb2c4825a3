"""Axes and coordinates the chart types share: a value axis in the panel's unit, durations counted
in minutes, hours or days rather than "4ks", times as epoch milliseconds, compact coordinates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.spec import Panel
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
