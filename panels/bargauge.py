"""Bar gauge: one horizontal bar per series, its latest value, largest first, each coloured by the
thresholds and labelled in the unit; `min`/`max` fix the scale."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from data.panel_data import PanelData
from panels.figures import escaped_figure
from panels.kind import Context, Model, Options, PanelType, Rows
from panels.labels import display_name
from panels.numbers import Shown, latest_by_series, shown
from panels.theme import base_layout


@dataclass
class Bar:
    name: str
    value: float | None
    shown: Shown


@dataclass
class BarGaugeModel(Model):
    bars: list[Bar]


def build(data: PanelData, _context: Context) -> BarGaugeModel:
    last = latest_by_series(data.tidy).sort_values("value", ascending=False)
    values = pd.to_numeric(last["value"], errors="coerce") if not last.empty else []
    bars = [
        Bar(display_name(name), None if pd.isna(v) else float(v), shown(data.panel, v))
        for name, v in zip(last.get("series", []), values, strict=True)
    ]
    return BarGaugeModel(data.panel, data.slug, data.time_range, bars)


def figure(model: BarGaugeModel) -> dict:
    panel = model.panel
    trace = {
        "type": "bar",
        "x": [b.value for b in model.bars],
        "y": [b.name for b in model.bars],
        "orientation": "h",
        "marker": {"color": [b.shown.color for b in model.bars]},
        "text": [b.shown.text for b in model.bars],
        "textposition": "auto",
        "hoverinfo": "y+text",
    }
    layout = base_layout(panel.height)
    layout["yaxis"] = {"autorange": "reversed", "automargin": True}
    layout["xaxis"] = {"showticklabels": False}
    if panel.max is not None:
        layout["xaxis"]["range"] = [panel.min or 0, panel.max]
    layout["showlegend"] = False
    return escaped_figure([trace], layout)


def summary(model: BarGaugeModel) -> str:
    shown_bars = ", ".join(f"{b.name} {b.shown.text}" for b in model.bars[:8])
    more = f" and {len(model.bars) - 8} more" if len(model.bars) > 8 else ""
    return f"{model.panel.title}, {model.span}: {shown_bars or 'no data'}{more}"


def rows(model: BarGaugeModel) -> Rows:
    bars = model.bars
    return Rows.named(model.panel, "series", [b.name for b in bars], [b.value for b in bars])


KIND = PanelType("bargauge", Options, build, summary, rows=rows, figure=figure)
