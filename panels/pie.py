"""Pie (a donut by default): each category's share of the total. Categories are the query's x
column, or each series' latest value over PromQL. Shares are written inside their slices (never
outside, where a narrow card cuts them), the legend beside the pie names every category. A pie
whose clicks set a variable (`cross_filter`) keeps every slice: the chosen ones pulled out in
full colour, the others faded.

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
from panels.labels import display_name, display_names
from panels.numbers import latest_by_series, totals_by_category
from panels.theme import base_layout, series_colors
from panels.units import format_value


class PieOptions(Options):
    donut: bool = True


@dataclass
class PieModel(Model):
    labels: list[str]  # as the data names them (clicks keep them)
    values: list[float]
    category_name: str  # the x column (or "category")
    value_name: str  # the value column (or "value" for several series)
    colors: list[str]
    selected: tuple[str, ...] = ()  # chosen by a click (cross_filter): highlighted

    @property
    def total(self) -> float:
        return float(sum(v for v in self.values if v == v))


def build(data: PanelData, context: Context) -> PieModel:
    tidy = data.tidy
    if is_time(tidy["x"]):
        tidy = latest_by_series(tidy).assign(x=lambda f: f["series"])
    labels, values = totals_by_category(tidy)
    first = data.frames[0] if data.frames else None
    name = (first.query.x or "category") if first else "category"
    series = tidy["series"].unique() if "series" in tidy else []
    value_name = str(series[0]) if len(series) == 1 and first and first.query.sql else "value"
    tints = series_colors(labels, context.series_order)
    return PieModel(data.panel, data.slug, data.time_range, labels, values, name, value_name,
                    [tints[label] for label in labels], context.selected)  # fmt: skip


def _faded(hex_color: str) -> str:
    red, green, blue = (int(hex_color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red},{green},{blue},0.3)"


def figure(model: PieModel) -> dict:
    panel = model.panel
    chosen = [label in model.selected for label in model.labels]
    colors = model.colors
    if model.selected:
        colors = [c if on else _faded(c) for c, on in zip(colors, chosen, strict=True)]
    trace = {
        "type": "pie",
        "labels": display_names(model.labels),
        "values": model.values,
        "hole": 0.5 if panel.options.donut else 0,
        "marker": {"colors": colors, "line": {"color": "white", "width": 1}},
        # [shown value, the category as the data names it]: a click reports customdata.
        "customdata": [
            [format_value(v, panel.unit, panel.decimals), label]
            for v, label in zip(model.values, model.labels, strict=True)
        ],
        "sort": True,
        "hovertemplate": "%{label}: %{customdata[0]} (%{percent})<extra></extra>",
        "textinfo": "percent",
        # Inside the slices, turned to fit; a slice too thin for its share shows it on hover.
        "textposition": "inside",
        "insidetextorientation": "horizontal",
        "automargin": True,
    }
    if model.selected:
        trace["pull"] = [0.08 if on else 0 for on in chosen]
    layout = base_layout(panel.height)
    layout["legend"] = {"orientation": "v", "x": 1.02, "xanchor": "left", "y": 0.5,
                        "yanchor": "middle", "font": {"size": 11}}  # fmt: skip
    layout["margin"] = {"l": 8, "r": 8, "t": 8, "b": 8}
    layout["uniformtext"] = {"minsize": 9, "mode": "hide"}
    return escaped_figure([trace], layout)


def summary(model: PieModel) -> str:
    panel = model.panel
    if not model.values or not model.total:
        return f"{panel.title}, {model.span}: no data"
    ordered = sorted(zip(model.values, model.labels, strict=True), reverse=True)
    parts = [
        f"{display_name(label)} {format_value(value, panel.unit, panel.decimals)} "
        f"({value / model.total:.0%})"
        for value, label in ordered[:8]
    ]
    chosen = f"; chosen: {', '.join(display_names(model.selected))}" if model.selected else ""
    return f"{panel.title}, {model.span}: {', '.join(parts)}{chosen}"


def rows(model: PieModel) -> Rows:
    return Rows.named(
        model.panel, model.category_name, display_names(model.labels), model.values,
        model.value_name,
    )  # fmt: skip


def click(_panel: Panel, point: dict, _window: QueryWindow) -> Clicked:
    """The clicked category as the data names it (the slice shows it as people read it)."""
    custom = point.get("customdata")
    raw = custom[1] if isinstance(custom, list) and len(custom) > 1 else None
    return Clicked(category=text_of(raw or point.get("label") or point.get("x")))


def lint(model: PieModel, _data: PanelData) -> list[Flag]:
    """Slices are told apart by their colours (as drawn: a variable's values keep theirs)."""
    return same_colour(dict(zip(display_names(model.labels), model.colors, strict=True)))


KIND = PanelType(
    "pie", PieOptions, build, summary, rows=rows, figure=figure, click=click, lint=lint
)
