"""Bar chart: categories (the query's x column, or each series' latest value over PromQL) and
their values. SQL with a series column: one bar per series in each category, grouped or stacked.

Options: `orientation` (vertical, horizontal), `stack`, `color` (one colour for every bar).
A click means the clicked category (a day, when the categories are dates) and its series.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from data.drilldown import Clicked, as_time, text_of
from data.panel_data import PanelData
from data.spec import Panel
from data.timerange import QueryWindow
from panels.axes import category_labels, chart_layout, display_unit, is_time
from panels.figures import escaped_figure
from panels.kind import Context, Model, Options, PanelType, Rows
from panels.numbers import latest_by_series
from panels.theme import NEUTRAL, color, meaning, series_colors
from panels.units import format_value, headed

DAY = 86_400
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # a category that is a day or a time


class BarOptions(Options):
    orientation: Literal["vertical", "horizontal"] = "vertical"
    stack: bool = False
    color: str | None = None


@dataclass
class BarSeries:
    name: str
    categories: list
    values: list[float]
    colors: list[str] | str


@dataclass
class BarModel(Model):
    series: list[BarSeries]
    category_name: str  # what the categories are (the x column), for the CSV
    divisor: float
    unit: str

    @property
    def grouped(self) -> bool:
        return len(self.series) > 1


def build(data: PanelData, _context: Context) -> BarModel:
    panel, tidy = data.panel, data.tidy
    if is_time(tidy["x"]):
        tidy = latest_by_series(tidy).assign(x=lambda f: f["series"], series="value")
    fixed = color(panel.options.color) if panel.options.color else None
    groups = list(tidy.groupby("series", sort=False))
    divisor, unit = display_unit(panel, tidy["value"])
    by_series = series_colors(str(name) for name, _ in groups)
    series = []
    for name, part in groups:
        categories = category_labels(part["x"])
        if len(groups) > 1:
            tints: list[str] | str = fixed or by_series[str(name)]
        else:
            # One series: one colour, but for categories that mean something (severities).
            tints = [fixed or meaning(c) or NEUTRAL for c in categories]
        values = pd.to_numeric(part["value"], errors="coerce").tolist()
        series.append(BarSeries(str(name), categories, values, tints))
    first = data.frames[0] if data.frames else None
    category = (
        first.query.x or (str(first.raw.columns[0]) if first.query.sql else "category")
        if first
        else "category"
    )
    return BarModel(panel, data.slug, data.time_range, series, category, divisor, unit)


def figure(model: BarModel) -> dict:
    panel = model.panel
    horizontal = panel.options.orientation == "horizontal"
    category_axis = "y" if horizontal else "x"
    traces = []
    for part in model.series:
        labels = [format_value(v, panel.unit, panel.decimals) for v in part.values]
        values = [v / model.divisor for v in part.values]
        traces.append(
            {
                "type": "bar",
                "x": values if horizontal else part.categories,
                "y": part.categories if horizontal else values,
                "orientation": "h" if horizontal else "v",
                "name": part.name,
                # [shown value, series]: a click reports customdata, not the trace's name.
                "customdata": [[label, part.name if model.grouped else ""] for label in labels],
                "text": labels,
                "textposition": "auto",
                "hovertemplate": f"%{{customdata[0]}}<extra>%{{{category_axis}}}</extra>",
                "marker": {"color": part.colors},
            }
        )
    every = pd.Series([v / model.divisor for part in model.series for v in part.values])
    layout = chart_layout(
        panel,
        every if len(every) else None,
        axis="xaxis" if horizontal else "yaxis",
        scale=(model.divisor, model.unit),
        barmode="stack" if panel.options.stack else "group",
        hovermode="closest",
        showlegend=model.grouped,
    )
    if horizontal:
        layout["yaxis"] = {"autorange": "reversed", "automargin": True}
    return escaped_figure(traces, layout)


def summary(model: BarModel) -> str:
    panel = model.panel
    if not model.series:
        return f"{panel.title}, {model.span}: no data"
    pairs = [
        (c, v, part.name)
        for part in model.series
        for c, v in zip(part.categories, part.values, strict=True)
    ]
    named = [
        f"{c}{f' ({s})' if model.grouped else ''} {format_value(v, panel.unit, panel.decimals)}"
        for c, v, s in pairs[:8]
    ]
    more = f" and {len(pairs) - 8} more" if len(pairs) > 8 else ""
    return f"{panel.title}, {model.span}: {', '.join(named)}{more}"


def rows(model: BarModel) -> Rows:
    """A row per category, a column per series (a single series named by its value column)."""
    columns: dict[str, pd.Series] = {}
    for part in model.series:
        columns[headed(part.name, model.panel.unit)] = pd.Series(part.values, index=part.categories)
    frame = pd.DataFrame(columns)
    frame = (
        frame.reset_index(names=model.category_name)
        if not frame.empty
        else pd.DataFrame({model.category_name: []})
    )
    return Rows(frame, {c: model.panel.unit for c in columns})


def click(panel: Panel, point: dict, _window: QueryWindow) -> Clicked:
    horizontal = panel.options.orientation == "horizontal"
    category = point.get("y") if horizontal else point.get("x")
    custom = point.get("customdata")
    series = text_of(custom[1]) if isinstance(custom, list) and len(custom) > 1 else None
    moment = as_time(category) if isinstance(category, str) and _DATE.match(category) else None
    bucket = {"bucket_start": moment, "bucket_end": moment + DAY} if moment is not None else {}
    return Clicked(category=text_of(category), series=series or None, **bucket)


KIND = PanelType("bar", BarOptions, build, summary, rows=rows, figure=figure, click=click)
