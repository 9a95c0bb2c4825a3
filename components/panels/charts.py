"""Chart panels: time series, bar, pie, histogram, heatmap, funnel, treemap, geo map."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from components.panels.common import graph, latest_by_series
from components.theme import base_layout, color, series_color
from components.units import axis_format, format_value
from data.panel_data import PanelData
from data.timerange import parse_duration


def _layout(data: PanelData, values: pd.Series | None = None, axis: str = "yaxis", **extra):
    panel = data.panel
    layout = base_layout(panel.height)
    if values is not None:
        ticks, _hover_template = axis_format(panel.unit, panel.decimals)
        layout[axis] = {**ticks, "rangemode": "tozero", "gridcolor": "#eef0f3"}
        if panel.min is not None or panel.max is not None:
            layout[axis]["range"] = [panel.min, panel.max]
    layout.update(extra)
    return layout


def _epoch_ms(times: pd.Series) -> np.ndarray:
    """Times as float milliseconds: plotly reads numbers on a date axis as UTC epoch ms, and numpy
    arrays travel as compact typed arrays instead of one ISO string per point."""
    return (times.astype("datetime64[ms, UTC]").astype("int64")).to_numpy(dtype=np.float64)


def _hover(data: PanelData, values) -> list[str]:
    return [format_value(v, data.panel.unit, data.panel.decimals) for v in values]


def _x_and_y(series: pd.DataFrame, is_time: bool) -> dict:
    """Trace coordinates. Regularly spaced samples (every Prometheus range result) go as x0 + dx
    and the values alone, missing steps as gaps: half the bytes of sending every x."""
    values = series["value"].to_numpy(dtype=np.float32)
    if not is_time:
        return {"x": series["x"], "y": values}
    ms = _epoch_ms(series["x"])
    diffs = np.diff(ms)
    if len(ms) < 3 or diffs.min() <= 0 or np.any(np.mod(diffs, diffs.min()) != 0):
        return {"x": ms, "y": values}
    step = diffs.min()
    filled = np.full(int((ms[-1] - ms[0]) // step) + 1, np.nan, dtype=np.float32)
    filled[((ms - ms[0]) // step).astype(int)] = values
    return {"x0": ms[0], "dx": step, "y": filled}


def timeseries(data: PanelData, annotations: pd.DataFrame | None = None):
    """Lines (default), areas, bars, stacked; threshold lines; annotations as markers; the
    time-shifted period dashed."""
    panel = data.panel
    style = panel.options.get("style", "lines")
    stacked = panel.options.get("stack", False)
    figure = go.Figure()
    tidy = data.tidy
    is_time = not tidy.empty and pd.api.types.is_datetime64_any_dtype(tidy["x"])
    _ticks, hover = axis_format(panel.unit, panel.decimals)
    for name, series in tidy.groupby("series", sort=True):
        series = series.sort_values("x")
        tint = series_color(str(name))
        common = {
            **_x_and_y(series, is_time),
            "name": str(name),
            "hovertemplate": hover,
        }
        if style == "bars":
            figure.add_bar(**common, marker_color=tint)
        else:
            fill = ("tonexty" if stacked else "tozeroy") if style == "area" else None
            figure.add_scatter(
                **common,
                mode="lines",
                line={"color": tint, "width": 1.6},
                fill=fill,
                stackgroup="one" if stacked else None,
            )
    shift = pd.to_timedelta(parse_duration(panel.time_shift or "0s"), unit="s")
    for frame in data.previous:
        if frame.tidy.empty or not pd.api.types.is_datetime64_any_dtype(frame.tidy["x"]):
            continue
        for name, series in frame.tidy.groupby("series", sort=True):
            series = series.sort_values("x")
            shifted = series["x"] + shift
            figure.add_scatter(
                x=_epoch_ms(shifted),
                y=series["value"],
                name=f"{name} ({panel.time_shift} ago)",
                mode="lines",
                line={"color": series_color(str(name)), "dash": "dot", "width": 1.2},
                opacity=0.7,
            )
    for step in panel.thresholds[1:]:
        figure.add_hline(
            y=step.value, line={"color": color(step.color), "dash": "dash", "width": 1}
        )
    if annotations is not None and not annotations.empty and not tidy.empty:
        top = tidy.groupby("x")["value"].sum().max() if stacked else tidy["value"].max()
        _add_annotations(figure, annotations, float(top or 1))
    tick_values = None
    if not tidy.empty:
        tick_values = tidy.groupby("x")["value"].sum() if stacked else tidy["value"]
    layout = _layout(data, tick_values)
    if style == "bars" and stacked:
        layout["barmode"] = "stack"
    layout["xaxis"] = {"gridcolor": "#eef0f3", "type": "date" if is_time else "-"}
    figure.update_layout(**layout, showlegend=panel.options.get("legend", True))
    return graph(figure, data)


def _add_annotations(figure: go.Figure, annotations: pd.DataFrame, top: float) -> None:
    """Deployments and incidents: a marker at the top of the plot, details on hover; incidents
    with an end also as a shaded region."""
    for name, group in annotations.groupby("source", sort=False):
        tint = group["color"].iloc[0]
        figure.add_scatter(
            x=group["time"],
            y=[top * 1.05] * len(group),
            mode="markers",
            marker={"symbol": "triangle-down", "size": 9, "color": tint},
            name=str(name),
            text=group["text"],
            hovertemplate="%{text}<extra></extra>",
        )
        for _, row in group.dropna(subset=["end"]).iterrows():
            figure.add_vrect(
                x0=row["time"], x1=row["end"], fillcolor=tint, opacity=0.12, line_width=0
            )


def bar(data: PanelData):
    """Categories on x (or y when horizontal). SQL with a series column: one trace per series,
    grouped or stacked. Otherwise (PromQL, or one value column): one trace, a colour per bar."""
    panel = data.panel
    horizontal = panel.options.get("orientation") == "horizontal"
    tidy = data.tidy
    if not tidy.empty and pd.api.types.is_datetime64_any_dtype(tidy["x"]):
        tidy = latest_by_series(tidy).assign(x=lambda f: f["series"], series="value")
    figure = go.Figure()
    groups = list(tidy.groupby("series", sort=False))
    fixed = color(panel.options["color"]) if panel.options.get("color") else None
    for name, series in groups:
        labels = _hover(data, series["value"])
        if horizontal:
            kwargs = {"x": series["value"], "y": series["x"], "orientation": "h"}
        else:
            kwargs = {"x": series["x"], "y": series["value"]}
        if len(groups) > 1:
            marker = fixed or series_color(str(name))
        else:
            marker = [fixed or series_color(str(x)) for x in series["x"]]
        figure.add_bar(
            **kwargs,
            name=str(name),
            customdata=labels,
            text=labels,
            textposition="auto",
            hovertemplate="%{customdata}<extra>%{x}</extra>"
            if not horizontal
            else "%{customdata}<extra>%{y}</extra>",
            marker_color=marker,
        )
    axis = "xaxis" if horizontal else "yaxis"
    layout = _layout(data, tidy["value"] if not tidy.empty else None, axis=axis)
    layout["barmode"] = "stack" if panel.options.get("stack") else "group"
    layout["hovermode"] = "closest"
    if horizontal:
        layout["yaxis"] = {"autorange": "reversed", "automargin": True}
    figure.update_layout(**layout, showlegend=len(groups) > 1)
    return graph(figure, data)


def pie(data: PanelData):
    panel = data.panel
    tidy = data.tidy
    if not tidy.empty and pd.api.types.is_datetime64_any_dtype(tidy["x"]):
        tidy = latest_by_series(tidy).assign(x=lambda f: f["series"])
    grouped = tidy.groupby("x", sort=False)["value"].sum()
    labels = [str(v) for v in grouped.index]
    figure = go.Figure(
        go.Pie(
            labels=labels,
            values=grouped.values,
            hole=0.5 if panel.options.get("donut", True) else 0,
            marker={"colors": [series_color(v) for v in labels]},
            customdata=_hover(data, grouped.values),
            sort=True,
            hovertemplate="%{label}: %{customdata} (%{percent})<extra></extra>",
            textinfo="percent",
        )
    )
    figure.update_layout(**base_layout(panel.height))
    return graph(figure, data)


def histogram(data: PanelData):
    """Distribution of the values (SQL rows), or pre-bucketed counts when options.bucketed."""
    panel = data.panel
    tidy = data.tidy
    figure = go.Figure()
    if panel.options.get("bucketed"):
        figure.add_bar(x=tidy["x"], y=tidy["value"], marker_color=series_color(panel.id))
    else:
        for name, series in tidy.groupby("series", sort=False):
            figure.add_histogram(
                x=series["value"],
                name=str(name),
                opacity=0.8,
                nbinsx=int(panel.options.get("bins", 30)),
                marker_color=series_color(str(name)),
            )
    layout = _layout(data, None)
    layout["xaxis"] = axis_format(panel.unit, panel.decimals)[0]
    layout["hovermode"] = "closest"
    layout["barmode"] = "overlay"
    figure.update_layout(**layout)
    return graph(figure, data)


def heatmap(data: PanelData):
    """x by y coloured by value. Prometheus histogram buckets over time (series = `le`), or any
    category x category from SQL (options.y names the column used as rows)."""
    panel = data.panel
    frame = data.frames[0]
    if frame.query.expr:
        tidy = frame.tidy
        rows = "le" if "le" in tidy else "series"
        grid = tidy.pivot_table(index=rows, columns="x", values="value", aggfunc="sum")
        if rows == "le":
            grid = grid.loc[sorted(grid.index, key=lambda v: float(v))]
            grid = grid.diff().fillna(grid)  # cumulative buckets -> per-bucket counts
    else:
        raw = frame.raw
        x_col = frame.query.x or raw.columns[0]
        y_col = panel.options.get("y", raw.columns[1])
        v_col = frame.query.y_columns[0] if frame.query.y_columns else raw.columns[2]
        grid = raw.pivot_table(index=y_col, columns=x_col, values=v_col, aggfunc="sum")
        order = panel.options.get("y_order")
        if order:
            grid = grid.reindex([o for o in order if o in grid.index])
    scale = panel.options.get("colorscale", "Blues")
    figure = go.Figure(
        go.Heatmap(
            z=grid.values,
            x=[str(c) for c in grid.columns],
            y=[str(i) for i in grid.index],
            colorscale=scale,
            hovertemplate="%{y} · %{x}: %{z}<extra></extra>",
        )
    )
    layout = base_layout(panel.height)
    layout["hovermode"] = "closest"
    layout["yaxis"] = {"type": "category", "automargin": True}
    layout["xaxis"] = {"type": "category", "automargin": True}
    figure.update_layout(**layout)
    return graph(figure, data)


def funnel(data: PanelData):
    """Stages in order: the y columns of one SQL row (summed), or one series per stage."""
    panel = data.panel
    frame = data.frames[0]
    if frame.query.sql and frame.query.y_columns:
        stages = frame.query.y_columns
        values = [float(pd.to_numeric(frame.raw[c], errors="coerce").sum()) for c in stages]
        labels = panel.options.get("labels", stages)
    else:
        last = latest_by_series(data.tidy)
        labels, values = list(last["series"]), list(last["value"])
    figure = go.Figure(
        go.Funnel(
            y=labels,
            x=values,
            textinfo="value+percent initial",
            marker={"color": [series_color(str(s)) for s in labels]},
        )
    )
    layout = base_layout(panel.height)
    layout["hovermode"] = "closest"
    figure.update_layout(**layout)
    return graph(figure, data)


def treemap(data: PanelData):
    """SQL rows: options.path names the columns from outer to inner; the y column sizes tiles."""
    panel = data.panel
    frame = data.frames[0]
    raw = frame.raw
    path = panel.options.get("path", [raw.columns[0]])
    size = frame.query.y_columns[0] if frame.query.y_columns else raw.columns[-1]
    ids, labels, parents, values = [], [], [], []
    for depth in range(len(path)):
        grouped = raw.groupby(path[: depth + 1], sort=False)[size].sum().reset_index()
        for _, row in grouped.iterrows():
            key = "/".join(str(row[c]) for c in path[: depth + 1])
            ids.append(key)
            labels.append(str(row[path[depth]]))
            parents.append("/".join(str(row[c]) for c in path[:depth]))
            values.append(float(row[size]))
    figure = go.Figure(
        go.Treemap(
            ids=ids,
            labels=labels,
            parents=parents,
            values=values,
            branchvalues="total",
            customdata=_hover(data, values),
            hovertemplate="%{label}: %{customdata}<extra></extra>",
            marker={
                "colors": [series_color(p or lbl) for p, lbl in zip(parents, labels, strict=True)]
            },
        )
    )
    figure.update_layout(**base_layout(panel.height))
    return graph(figure, data)


def geomap(data: PanelData):
    """Choropleth by ISO 3166 alpha-3 country code (x), outlines served from assets/topojson."""
    panel = data.panel
    tidy = data.tidy
    grouped = tidy.groupby("x", sort=False)["value"].sum()
    figure = go.Figure(
        go.Choropleth(
            locations=list(grouped.index),
            z=grouped.values,
            locationmode="ISO-3",
            colorscale=panel.options.get("colorscale", "Blues"),
            customdata=_hover(data, grouped.values),
            hovertemplate="%{location}: %{customdata}<extra></extra>",
            marker_line_color="#ffffff",
        )
    )
    layout = base_layout(panel.height)
    layout["geo"] = {
        "showframe": False,
        "showcoastlines": False,
        "projection_type": "natural earth",
        "bgcolor": "rgba(0,0,0,0)",
        "showcountries": True,
        "countrycolor": "#d0d4da",
        "landcolor": "#f4f5f7",
        "showland": True,
    }
    layout["margin"] = {"l": 0, "r": 0, "t": 0, "b": 0}
    figure.update_layout(**layout)
    return graph(figure, data)
