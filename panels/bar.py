"""Bar chart: categories (the query's x column, or each series' latest value over PromQL) and
their values. SQL with a series column: one bar per series in each category, grouped or stacked.
Days or weeks the range cuts short (the first, today so far) are hatched and lighter, their hover
saying "partial day". A panel whose clicks set a variable (`cross_filter`) keeps every bar, the
chosen ones in full colour and the others faded.

Options: `orientation` (vertical, horizontal), `stack`, `color` (one colour for every bar).
A click means the clicked category (a day, when the categories are dates) and its series.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from data.drilldown import Clicked, as_time, text_of
from data.panel_data import PanelData
from data.spec import Panel
from data.timerange import QueryWindow
from panels.axes import (
    Buckets,
    as_dates,
    bucket_size,
    buckets,
    category_labels,
    chart_layout,
    display_unit,
    is_time,
    time_axis,
)
from panels.figures import escaped_figure
from panels.kind import Context, Model, Options, PanelType, Rows
from panels.labels import display_name, display_names
from panels.numbers import latest_by_series
from panels.theme import NEUTRAL, color, legend_above, meaning, series_colors
from panels.units import format_value, headed

DAY = 86_400
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # a category that is a day or a time


class BarOptions(Options):
    orientation: Literal["vertical", "horizontal"] = "vertical"
    stack: bool = False
    color: str | None = None


@dataclass
class BarSeries:
    name: str  # as the data names it (clicks keep it)
    categories: list  # as the data names them (clicks and filters keep them)
    values: list[float]
    colors: list[str] | str
    buckets: Buckets | None = None  # categories that are days or weeks: which are cut short
    faded: list[bool] | None = None  # not among a cross-filter's chosen categories

    @property
    def label(self) -> str:
        return display_name(self.name)


@dataclass
class BarModel(Model):
    series: list[BarSeries]
    category_name: str  # what the categories are (the x column), for the CSV
    divisor: float
    unit: str
    dated: bool = False  # the categories are days (or weeks, or times)

    @property
    def grouped(self) -> bool:
        return len(self.series) > 1


def build(data: PanelData, context: Context) -> BarModel:
    panel, tidy = data.panel, data.tidy
    first = data.frames[0] if data.frames else None
    sql = bool(first and first.query.sql)
    if is_time(tidy["x"]) and not sql:
        # PromQL over time: each series' latest value is a bar. (SQL's times are categories:
        # PostgreSQL's `$__day` gives timestamps.)
        tidy = latest_by_series(tidy).assign(x=lambda f: f["series"], series="value")
    fixed = color(panel.options.color) if panel.options.color else None
    groups = list(tidy.groupby("series", sort=False))
    divisor, unit = display_unit(panel, tidy["value"])
    by_series = series_colors((str(name) for name, _ in groups), context.series_order)
    dates = as_dates(tidy["x"]) if sql and not tidy.empty else None
    size = bucket_size(dates) if dates is not None else None
    series = []
    for name, part in groups:
        categories = category_labels(part["x"])
        if len(groups) > 1:
            tints: list[str] | str = fixed or by_series[str(name)]
        else:
            # One series: one colour, but for categories that mean something (severities).
            tints = [fixed or meaning(c) or NEUTRAL for c in categories]
        values = pd.to_numeric(part["value"], errors="coerce").tolist()
        cut = buckets(as_dates(part["x"]), data.time_range, size) if size else None
        faded = [str(c) not in context.selected for c in categories] if context.selected else None
        series.append(BarSeries(str(name), categories, values, tints, cut, faded))
    category = (
        first.query.x or (str(first.raw.columns[0]) if first.query.sql else "category")
        if first
        else "category"
    )
    dated = dates is not None
    return BarModel(panel, data.slug, data.time_range, series, category, divisor, unit, dated)


def _marker(part: BarSeries) -> dict:
    """Colours; bars a cross-filter did not choose faded."""
    marker: dict = {"color": part.colors}
    if part.faded is not None and any(part.faded):
        marker["opacity"] = [0.35 if faded else 1.0 for faded in part.faded]
    return marker


def _partial(trace: dict, part: BarSeries, horizontal: bool) -> list[dict]:
    """The bar trace, and the buckets the range cuts short apart from it: hatched and lighter,
    their hover saying "partial day" (a trace of their own: the legend shows the whole ones)."""
    if part.buckets is None or not part.buckets.any:
        return [trace]
    axis = "x" if horizontal else "y"
    cut = part.buckets.partial
    whole = {**trace, axis: [None if c else v for v, c in zip(trace[axis], cut, strict=True)]}
    partial = {
        **trace,
        axis: [v if c else None for v, c in zip(trace[axis], cut, strict=True)],
        "showlegend": False,
        "opacity": 0.55,
        "marker": {**trace["marker"], "pattern": {"shape": "/"}},
    }
    return [whole, partial]


def figure(model: BarModel) -> dict:
    panel = model.panel
    horizontal = panel.options.orientation == "horizontal"
    category_axis = "y" if horizontal else "x"
    traces = []
    for part in model.series:
        labels = [format_value(v, panel.unit, panel.decimals) for v in part.values]
        values = [v / model.divisor for v in part.values]
        names = [] if model.dated else display_names(part.categories)
        notes = [""] * len(values)
        if part.buckets is not None and part.buckets.any:
            notes = [f" ({part.buckets.words})" if p else "" for p in part.buckets.partial]
        # [shown value, series, category as read, a note]: a click reports customdata.
        custom = [
            [label, part.name if model.grouped else "", names[i] if names else "", notes[i]]
            for i, label in enumerate(labels)
        ]
        where = "%{customdata[2]}" if names else f"%{{{category_axis}}}"
        series = f"{part.label}: " if model.grouped else ""
        hover = f"{series}%{{customdata[0]}}%{{customdata[3]}}<extra>{where}</extra>"
        trace = {
            "type": "bar",
            "x": values if horizontal else part.categories,
            "y": part.categories if horizontal else values,
            "orientation": "h" if horizontal else "v",
            "name": part.label,
            "legendgroup": part.label,
            "customdata": custom,
            "text": labels,
            "textposition": "auto",
            "hovertemplate": hover,
            "marker": _marker(part),
        }
        if not panel.options.stack:
            trace["offsetgroup"] = part.label  # a bar and its partial ones share one slot
        if part.buckets is not None:  # a day's bar covers its day, not the midnight it starts
            period = "yperiod" if horizontal else "xperiod"
            trace.update({period: part.buckets.size * 1000, f"{period}alignment": "middle"})
        traces += _partial(trace, part, horizontal)
    every = pd.Series([v / model.divisor for part in model.series for v in part.values])
    layout = chart_layout(
        panel,
        every if len(every) else None,
        axis="xaxis" if horizontal else "yaxis",
        scale=(model.divisor, model.unit),
        barmode="stack" if panel.options.stack else "group",
        hovermode="closest",
        showlegend=model.grouped,
        legend=legend_above(),
    )
    axis = "yaxis" if horizontal else "xaxis"
    if model.dated:
        layout[axis] = time_axis(model.time_range, step=86_400)
    elif model.series:
        # Categories as people read them (`paid search`); the bars keep the data's names, which
        # a click reports.
        shown = list(dict.fromkeys(c for part in model.series for c in part.categories))
        layout[axis] = {"tickmode": "array", "tickvals": shown, "ticktext": display_names(shown),
                        "automargin": True}  # fmt: skip  # room for labels plotly turns
    if horizontal:
        layout.setdefault("yaxis", {}).update(autorange="reversed", automargin=True)
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
        f"{display_name(c)}{f' ({display_name(s)})' if model.grouped else ''} "
        f"{format_value(v, panel.unit, panel.decimals)}"
        for c, v, s in pairs[:8]
    ]
    more = f" and {len(pairs) - 8} more" if len(pairs) > 8 else ""
    return f"{panel.title}, {model.span}: {', '.join(named)}{more}"


def rows(model: BarModel) -> Rows:
    """A row per category, a column per series (a single series named by its value column), as
    the chart names them; a column `partial` naming the days the range cuts short."""
    columns: dict[str, pd.Series] = {}
    cut: pd.Series | None = None
    for part in model.series:
        index = part.categories if model.dated else display_names(part.categories)
        columns[headed(part.label, model.panel.unit)] = pd.Series(part.values, index=index)
        if part.buckets is not None and part.buckets.any:
            words = pd.Series(np.where(part.buckets.partial, part.buckets.words, ""), index=index)
            cut = words if cut is None else cut.combine(words, max, fill_value="")
    frame = pd.DataFrame(columns)
    if cut is not None and not frame.empty:
        frame["partial"] = cut.groupby(level=0).max().reindex(frame.index, fill_value="")
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
