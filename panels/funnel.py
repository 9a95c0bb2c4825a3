"""Funnel: stages in order with their counts and the share of the first: the y columns of one
SQL row (summed over rows), or one series per stage.

Options: `labels` (the stages' names, in the y columns' order).
A click means the clicked stage.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from data.drilldown import Clicked, text_of
from data.panel_data import PanelData
from data.spec import Panel
from data.timerange import QueryWindow
from panels.figures import escaped_figure
from panels.kind import Context, Model, Options, PanelType, Rows
from panels.numbers import latest_by_series
from panels.theme import NEUTRAL, base_layout
from panels.units import format_value, headed


class FunnelOptions(Options):
    labels: list[str] = []


@dataclass
class FunnelModel(Model):
    stages: list[str]
    values: list[float]

    def share(self, n: int) -> float | None:
        return self.values[n] / self.values[0] if self.values and self.values[0] else None


def build(data: PanelData, _context: Context) -> FunnelModel:
    frame = data.frames[0]
    if frame.query.sql and frame.query.y_columns:
        columns = frame.query.y_columns
        values = [float(pd.to_numeric(frame.raw[c], errors="coerce").sum()) for c in columns]
        stages = data.panel.options.labels or columns
    else:
        last = latest_by_series(data.tidy)
        stages, values = [str(s) for s in last["series"]], [float(v) for v in last["value"]]
    return FunnelModel(data.panel, data.slug, data.time_range, list(stages), values)


def _label(model: FunnelModel, n: int) -> str:
    """A stage's count in the panel's unit and, past the first, its share of the first: the
    words the card's summary, the CSV and the table view give (plotly's own would be raw)."""
    panel = model.panel
    text = format_value(model.values[n], panel.unit, panel.decimals)
    share = model.share(n)
    if n and share is not None:
        text += f" · {format_value(share, 'percentunit')} of {model.stages[0]}"
    return text


def _short(model: FunnelModel, n: int) -> str:
    """What fits beside a narrow stage on a phone: `46.2K · 16.1%` (the hover says of what)."""
    share = model.share(n)
    text = format_value(model.values[n], model.panel.unit, model.panel.decimals)
    return f"{text} · {format_value(share, 'percentunit')}" if n and share is not None else text


def figure(model: FunnelModel) -> dict:
    trace = {
        "type": "funnel",
        "y": model.stages,
        "x": model.values,
        "text": [_short(model, n) for n in range(len(model.values))],
        "hovertext": [_label(model, n) for n in range(len(model.values))],
        "hovertemplate": "%{y}: %{hovertext}<extra></extra>",
        "textinfo": "text",
        "marker": {"color": NEUTRAL},  # the stages of one flow: one colour
    }
    layout = base_layout(model.panel.height)
    layout["hovermode"] = "closest"
    layout["yaxis"] = {"automargin": True}  # stage names
    return escaped_figure([trace], layout)


def summary(model: FunnelModel) -> str:
    panel = model.panel
    parts = [f"{stage} {_label(model, n)}" for n, stage in enumerate(model.stages)]
    return f"{panel.title}, {model.span}: {', '.join(parts) or 'no data'}"


def rows(model: FunnelModel) -> Rows:
    value, share = headed("value", model.panel.unit), headed("share of the first", "percentunit")
    frame = pd.DataFrame(
        {
            "stage": model.stages,
            value: model.values,
            share: [model.share(n) for n in range(len(model.values))],
        }
    )
    return Rows(frame, {value: model.panel.unit, share: "percentunit"})


def click(_panel: Panel, point: dict, _window: QueryWindow) -> Clicked:
    return Clicked(category=text_of(point.get("y")))


KIND = PanelType("funnel", FunnelOptions, build, summary, rows=rows, figure=figure, click=click)
