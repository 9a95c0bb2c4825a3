"""Gauge: one number on a dial from `min` to `max` (default 0 to the larger of 100 and a fifth
above the value), the thresholds as coloured bands.

Options: `reduce` as for a stat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from data.panel_data import PanelData
from panels.kind import Context, Model, Options, PanelType, Rows
from panels.numbers import REDUCERS, Shown, reduce_value, shown
from panels.theme import base_layout, color
from panels.units import format_value, headed

SUFFIX = {"percent": "%", "s": " s", "ms": " ms", "days": " d"}


class GaugeOptions(Options):
    reduce: Literal[REDUCERS] = "last"  # type: ignore[valid-type]


@dataclass
class GaugeModel(Model):
    value: float | None
    shown: Shown
    low: float
    high: float
    bands: list[tuple[float, float, str]]  # from, to, colour


def build(data: PanelData, _context: Context) -> GaugeModel:
    panel = data.panel
    value = reduce_value(data.frames, panel.options.reduce)
    low = panel.min if panel.min is not None else 0.0
    high = panel.max if panel.max is not None else max(100.0, (value or 0) * 1.2)
    bounds = [t.value if t.value is not None else low for t in panel.thresholds] + [high]
    bands = [
        (step.value if step.value is not None else low, upper, color(step.color))
        for step, upper in zip(panel.thresholds, bounds[1:], strict=False)
    ]
    return GaugeModel(
        panel, data.slug, data.time_range, value, shown(panel, value), low, high, bands
    )


def figure(model: GaugeModel) -> dict:
    panel = model.panel
    trace = {
        "type": "indicator",
        "mode": "gauge+number",
        "value": model.value if model.value is not None else 0,
        "number": {
            "valueformat": f".{panel.decimals if panel.decimals is not None else 1}f",
            "suffix": SUFFIX.get(panel.unit, ""),
            "font": {"color": model.shown.color},
        },
        "gauge": {
            "axis": {"range": [model.low, model.high]},
            "bar": {"color": model.shown.color, "thickness": 0.6},
            "steps": [
                {"range": [lo, hi], "color": tint, "thickness": 0.25}
                for lo, hi, tint in model.bands
            ],
            "borderwidth": 0,
        },
    }
    layout = base_layout(panel.height)
    layout["margin"] = {"l": 40, "r": 40, "t": 28, "b": 8}
    return {"data": [trace], "layout": layout}


def summary(model: GaugeModel) -> str:
    unit, decimals = model.panel.unit, model.panel.decimals
    scale = (
        f"{format_value(model.low, unit, decimals)} to {format_value(model.high, unit, decimals)}"
    )
    return f"{model.panel.title}, {model.span}: {model.shown.text} on a scale of {scale}"


def rows(model: GaugeModel) -> Rows:
    name = headed("value", model.panel.unit)
    return Rows(pd.DataFrame({name: [model.value]}), {name: model.panel.unit})


KIND = PanelType("gauge", GaugeOptions, build, summary, rows=rows, figure=figure)
