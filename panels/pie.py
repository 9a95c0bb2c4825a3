"""Pie (a donut by default): each category's share of the total. Categories are the query's x
column, or each series' latest value over PromQL.

Options: `donut` (default true).
A click means the clicked category.
"""

from __future__ import annotations

from dataclasses import dataclass

from data.drilldown import Clicked, text_of
from data.panel_data import PanelData
from data.spec import Panel
from data.timerange import QueryWindow
from panels.axes import is_time
from panels.checks import same_colour
from panels.figures import escaped_figure
from panels.kind import Context, Flag, Model, Options, PanelType, Rows
from panels.numbers import latest_by_series, totals_by_category
from panels.theme import base_layout, series_colors
from panels.units import format_value


class PieOptions(Options):
    donut: bool = True


@dataclass
class PieModel(Model):
    labels: list[str]
    values: list[float]
    category_name: str  # the x column (or "category")
    value_name: str  # the value column (or "value" for several series)

    @property
    def total(self) -> float:
        return float(sum(v for v in self.values if v == v))


def build(data: PanelData, _context: Context) -> PieModel:
    tidy = data.tidy
    if is_time(tidy["x"]):
        tidy = latest_by_series(tidy).assign(x=lambda f: f["series"])
    labels, values = totals_by_category(tidy)
    first = data.frames[0] if data.frames else None
    name = (first.query.x or "category") if first else "category"
    series = tidy["series"].unique() if "series" in tidy else []
    value_name = str(series[0]) if len(series) == 1 and first and first.query.sql else "value"
    return PieModel(data.panel, data.slug, data.time_range, labels, values, name, value_name)


def figure(model: PieModel) -> dict:
    panel = model.panel
    tints = series_colors(model.labels)
    trace = {
        "type": "pie",
        "labels": model.labels,
        "values": model.values,
        "hole": 0.5 if panel.options.donut else 0,
        "marker": {"colors": [tints[str(v)] for v in model.labels]},
        "customdata": [format_value(v, panel.unit, panel.decimals) for v in model.values],
        "sort": True,
        "hovertemplate": "%{label}: %{customdata} (%{percent})<extra></extra>",
        "textinfo": "percent",
    }
    return escaped_figure([trace], base_layout(panel.height))


def summary(model: PieModel) -> str:
    panel = model.panel
    if not model.values or not model.total:
        return f"{panel.title}, {model.span}: no data"
    ordered = sorted(zip(model.values, model.labels, strict=True), reverse=True)
    parts = [
        f"{label} {format_value(value, panel.unit, panel.decimals)} ({value / model.total:.0%})"
        for value, label in ordered[:8]
    ]
    return f"{panel.title}, {model.span}: {', '.join(parts)}"


def rows(model: PieModel) -> Rows:
    return Rows.named(
        model.panel, model.category_name, model.labels, model.values, model.value_name
    )


def click(_panel: Panel, point: dict, _window: QueryWindow) -> Clicked:
    return Clicked(category=text_of(point.get("label") or point.get("x")))


def lint(model: PieModel, _data: PanelData) -> list[Flag]:
    """Slices are told apart by their colours."""
    return same_colour(series_colors(model.labels))


KIND = PanelType(
    "pie", PieOptions, build, summary, rows=rows, figure=figure, click=click, lint=lint
)
