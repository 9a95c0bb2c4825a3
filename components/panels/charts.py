"""Chart panels: time series, bar, pie, histogram, heatmap, funnel, treemap, geo map."""

from __future__ import annotations

import numpy as np
import pandas as pd

from components.panels.common import graph, latest_by_series
from components.panels.figure import figure, hline, typed, vrect
from components.theme import base_layout, color, series_color
from components.units import axis_format, duration_scale, format_value
from data.panel_data import PanelData
from data.timerange import parse_duration


def _layout(
    data: PanelData,
    values: pd.Series | None = None,
    axis: str = "yaxis",
    scale: tuple[float, str] | None = None,
    **extra,
):
    """The panel's layout; `values` (already divided as `scale` says) set the value axis."""
    panel = data.panel
    layout = base_layout(panel.height)
    if values is not None:
        divisor, unit = scale or (1.0, panel.unit)
        ticks, _hover_template = axis_format(unit, panel.decimals)
        top = _top(values)
        if ticks.get("tickformat") == "~s" and unit != "s" and top < 1000:
            ticks = {**ticks, "tickformat": ",.3~r"}  # 0.06 ops/s and 0.5, not 60m and 500m
        layout[axis] = {**ticks, "rangemode": "tozero", "gridcolor": "#eef0f3"}
        if panel.min is not None or panel.max is not None:
            layout[axis]["range"] = [
                None if bound is None else bound / divisor for bound in (panel.min, panel.max)
            ]
        if axis == "yaxis":
            # Room for the widest tick label ("1.5K req/s"): about 7 px a character.
            label = len(format_value(top * divisor, panel.unit))
            layout["margin"] = {**layout["margin"], "l": max(36, 7 * label + 10)}
    layout.update(extra)
    return layout


def _in_display_unit(data: PanelData, tidy: pd.DataFrame) -> tuple[pd.DataFrame, float, str]:
    """The frame with its values divided into the unit the chart counts in (minutes rather
    than "4ks"), the divisor and that unit."""
    divisor, unit = duration_scale(data.panel.unit, _top(tidy["value"]) if not tidy.empty else 0)
    if divisor != 1:
        tidy = tidy.assign(value=tidy["value"] / divisor)
    return tidy, divisor, unit


def _top(values: pd.Series) -> float:
    numbers = pd.to_numeric(values, errors="coerce").abs()
    return float(numbers.max()) if numbers.notna().any() else 0.0


def _epoch_ms(times: pd.Series) -> np.ndarray:
    """Times as float milliseconds: plotly reads numbers on a date axis as UTC epoch ms, and numpy
    arrays travel as compact typed arrays instead of one ISO string per point."""
    return (times.astype("datetime64[ms, UTC]").astype("int64")).to_numpy(dtype=np.float64)


def _hover(data: PanelData, values) -> list[str]:
    return [format_value(v, data.panel.unit, data.panel.decimals) for v in values]


def _x_and_y(series: pd.DataFrame, is_time: bool) -> tuple[dict, int]:
    """Trace coordinates and their number. Regularly spaced samples (every Prometheus range
    result) go as x0 + dx and the values alone, missing steps as gaps: half the bytes of sending
    every x."""
    values = series["value"].to_numpy(dtype=np.float32)
    if not is_time:
        return {"x": series["x"].tolist(), "y": typed(values)}, len(values)
    ms = _epoch_ms(series["x"])
    diffs = np.diff(ms)
    if len(ms) < 3 or diffs.min() <= 0 or np.any(np.mod(diffs, diffs.min()) != 0):
        return {"x": typed(ms), "y": typed(values)}, len(values)
    step = diffs.min()
    filled = np.full(int((ms[-1] - ms[0]) // step) + 1, np.nan, dtype=np.float32)
    filled[((ms - ms[0]) // step).astype(int)] = values
    return {"x0": float(ms[0]), "dx": float(step), "y": typed(filled)}, len(filled)


def timeseries(data: PanelData, annotations: pd.DataFrame | None = None):
    """Lines (default), areas, bars, stacked; threshold lines; annotations as markers; the
    time-shifted period dashed."""
    panel = data.panel
    style = panel.options.get("style", "lines")
    stacked = panel.options.get("stack", False)
    traces, shapes = [], []
    tidy, divisor, unit = _in_display_unit(data, data.tidy)
    is_time = not tidy.empty and pd.api.types.is_datetime64_any_dtype(tidy["x"])
    _ticks, hover = axis_format(unit, panel.decimals)
    for name, series in tidy.groupby("series", sort=True):
        series = series.sort_values("x")
        tint = series_color(str(name))
        coordinates, count = _x_and_y(series, is_time)
        trace = {**coordinates, "name": str(name), "hovertemplate": hover}
        if panel.clickable:
            # A click reports the point's customdata, not its trace's name: carry the series.
            trace["customdata"] = [str(name)] * count
        if style == "bars":
            traces.append({**trace, "type": "bar", "marker": {"color": tint}})
            continue
        trace.update(type="scatter", mode="lines", line={"color": tint, "width": 1.6})
        if style == "area":
            trace["fill"] = "tonexty" if stacked else "tozeroy"
        if stacked:
            # A missing sample (a scrape that failed) is bridged; plotly would stack it as 0 and
            # draw every series above it plunging to the floor.
            trace.update(stackgroup="one", stackgaps="interpolate")
        traces.append(trace)
    shift = pd.to_timedelta(parse_duration(panel.time_shift or "0s"), unit="s")
    for frame in data.previous:
        if frame.tidy.empty or not pd.api.types.is_datetime64_any_dtype(frame.tidy["x"]):
            continue
        for name, series in frame.tidy.groupby("series", sort=True):
            series = series.sort_values("x")
            traces.append(
                {
                    "type": "scatter",
                    "x": typed(_epoch_ms(series["x"] + shift)),
                    "y": typed((series["value"] / divisor).to_numpy(dtype=np.float32)),
                    "name": f"{name} ({panel.time_shift} ago)",
                    "mode": "lines",
                    "line": {"color": series_color(str(name)), "dash": "dot", "width": 1.2},
                    "opacity": 0.7,
                    "hovertemplate": hover,
                }
            )
    shapes += [hline(step.value / divisor, color(step.color)) for step in panel.thresholds[1:]]
    if annotations is not None and not tidy.empty:
        annotations = _within(annotations, tidy["x"])
    if annotations is not None and not annotations.empty and not tidy.empty:
        top = tidy.groupby("x")["value"].sum().max() if stacked else tidy["value"].max()
        markers, bands = _annotations(annotations, float(top or 1))
        traces += markers
        shapes += bands
    tick_values = None
    if not tidy.empty:
        tick_values = tidy.groupby("x")["value"].sum() if stacked else tidy["value"]
    layout = _layout(
        data,
        tick_values,
        scale=(divisor, unit),
        shapes=shapes,
        showlegend=panel.options.get("legend", True),
    )
    if style == "bars" and stacked:
        layout["barmode"] = "stack"
    layout["xaxis"] = {"gridcolor": "#eef0f3", "type": "date" if is_time else "-"}
    return graph(figure(traces, layout), data)


def _within(annotations: pd.DataFrame, times: pd.Series) -> pd.DataFrame:
    """The annotations that touch the panel's time span: one outside it (a source that returns
    every row, whatever the range) would stretch the axis past the data. The x values may be
    datetimes or, from SQL, date strings; with no dates at all there is no span to keep to."""
    times = pd.to_datetime(times, utc=True, errors="coerce", format="mixed")
    if times.isna().all():
        return annotations
    first, last = times.min(), times.max()
    start = pd.to_datetime(annotations["time"], utc=True)
    end = pd.to_datetime(annotations["end"], utc=True).where(annotations["end"].notna(), start)
    return annotations[(start <= last) & (end >= first)]


def _annotations(annotations: pd.DataFrame, top: float) -> tuple[list[dict], list[dict]]:
    """Deployments and incidents: a marker at the top of the plot, details on hover; incidents
    with an end also as a shaded region."""
    markers, bands = [], []
    for name, group in annotations.groupby("source", sort=False):
        tint = group["color"].iloc[0]
        markers.append(
            {
                "type": "scatter",
                "x": typed(_epoch_ms(group["time"])),
                "y": [top * 1.05] * len(group),
                "mode": "markers",
                "marker": {"symbol": "triangle-down", "size": 9, "color": tint},
                "name": str(name),
                "text": group["text"].tolist(),
                "hovertemplate": "%{text}<extra></extra>",
            }
        )
        for _, row in group.dropna(subset=["end"]).iterrows():
            bands.append(vrect(_ms(row["time"]), _ms(row["end"]), tint))
    return markers, bands


def _ms(moment: pd.Timestamp) -> float:
    return moment.timestamp() * 1000


def bar(data: PanelData):
    """Categories on x (or y when horizontal). SQL with a series column: one trace per series,
    grouped or stacked. Otherwise (PromQL, or one value column): one trace, a colour per bar."""
    panel = data.panel
    horizontal = panel.options.get("orientation") == "horizontal"
    tidy = data.tidy
    if not tidy.empty and pd.api.types.is_datetime64_any_dtype(tidy["x"]):
        tidy = latest_by_series(tidy).assign(x=lambda f: f["series"], series="value")
    traces = []
    groups = list(tidy.groupby("series", sort=False))
    fixed = color(panel.options["color"]) if panel.options.get("color") else None
    category_axis = "y" if horizontal else "x"
    _, divisor, unit = _in_display_unit(data, tidy)
    for name, series in groups:
        labels = _hover(data, series["value"])
        series_name = str(name) if len(groups) > 1 else ""
        categories, values = _categories(series["x"]), (series["value"] / divisor).tolist()
        if len(groups) > 1:
            marker = fixed or series_color(str(name))
        else:
            marker = [fixed or series_color(str(x)) for x in categories]
        traces.append(
            {
                "type": "bar",
                "x": values if horizontal else categories,
                "y": categories if horizontal else values,
                "orientation": "h" if horizontal else "v",
                "name": str(name),
                # [shown value, series]: a click reports customdata, not the trace's name.
                "customdata": [[label, series_name] for label in labels],
                "text": labels,
                "textposition": "auto",
                "hovertemplate": f"%{{customdata[0]}}<extra>%{{{category_axis}}}</extra>",
                "marker": {"color": marker},
            }
        )
    axis = "xaxis" if horizontal else "yaxis"
    layout = _layout(
        data,
        tidy["value"] / divisor if not tidy.empty else None,
        axis=axis,
        scale=(divisor, unit),
        barmode="stack" if panel.options.get("stack") else "group",
        hovermode="closest",
        showlegend=len(groups) > 1,
    )
    if horizontal:
        layout["yaxis"] = {"autorange": "reversed", "automargin": True}
    return graph(figure(traces, layout), data)


def _categories(values: pd.Series) -> list:
    """Category labels; dates as ISO strings (what plotly.js reads as a date axis)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return [v.isoformat() for v in values]
    return values.tolist()


def pie(data: PanelData):
    panel = data.panel
    tidy = data.tidy
    if not tidy.empty and pd.api.types.is_datetime64_any_dtype(tidy["x"]):
        tidy = latest_by_series(tidy).assign(x=lambda f: f["series"])
    grouped = tidy.groupby("x", sort=False)["value"].sum()
    labels = [str(v) for v in grouped.index]
    trace = {
        "type": "pie",
        "labels": labels,
        "values": grouped.tolist(),
        "hole": 0.5 if panel.options.get("donut", True) else 0,
        "marker": {"colors": [series_color(v) for v in labels]},
        "customdata": _hover(data, grouped.values),
        "sort": True,
        "hovertemplate": "%{label}: %{customdata} (%{percent})<extra></extra>",
        "textinfo": "percent",
    }
    return graph(figure([trace], base_layout(panel.height)), data)


def histogram(data: PanelData):
    """Distribution of the values (SQL rows), or pre-bucketed counts when options.bucketed."""
    panel = data.panel
    tidy = data.tidy
    if panel.options.get("bucketed"):
        traces = [
            {
                "type": "bar",
                "x": _categories(tidy["x"]),
                "y": tidy["value"].tolist(),
                "marker": {"color": series_color(panel.id)},
            }
        ]
    else:
        traces = [
            {
                "type": "histogram",
                "x": typed(series["value"].to_numpy(dtype=np.float64)),
                "name": str(name),
                "opacity": 0.8,
                "nbinsx": int(panel.options.get("bins", 30)),
                "marker": {"color": series_color(str(name))},
            }
            for name, series in tidy.groupby("series", sort=False)
        ]
    layout = _layout(data, None, hovermode="closest", barmode="overlay")
    layout["xaxis"] = axis_format(panel.unit, panel.decimals)[0]
    return graph(figure(traces, layout), data)


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
    trace = {
        "type": "heatmap",
        "z": grid.to_numpy(dtype=float).tolist(),
        "x": [str(c) for c in grid.columns],
        "y": [str(i) for i in grid.index],
        "colorscale": panel.options.get("colorscale", "Blues"),
        "hovertemplate": "%{y} · %{x}: %{z}<extra></extra>",
    }
    layout = base_layout(panel.height)
    layout["hovermode"] = "closest"
    layout["yaxis"] = {"type": "category", "automargin": True}
    layout["xaxis"] = {"type": "category", "automargin": True}
    return graph(figure([trace], layout), data)


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
        labels, values = list(last["series"]), last["value"].tolist()
    trace = {
        "type": "funnel",
        "y": labels,
        "x": values,
        "textinfo": "value+percent initial",
        "marker": {"color": [series_color(str(s)) for s in labels]},
    }
    layout = base_layout(panel.height)
    layout["hovermode"] = "closest"
    layout["yaxis"] = {"automargin": True}  # stage names
    return graph(figure([trace], layout), data)


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
    trace = {
        "type": "treemap",
        "ids": ids,
        "labels": labels,
        "parents": parents,
        "values": values,
        "branchvalues": "total",
        "customdata": _hover(data, values),
        "hovertemplate": "%{label}: %{customdata}<extra></extra>",
        "marker": {
            "colors": [series_color(p or lbl) for p, lbl in zip(parents, labels, strict=True)]
        },
    }
    return graph(figure([trace], base_layout(panel.height)), data)


def geomap(data: PanelData):
    """Choropleth by ISO 3166 alpha-3 country code (x), outlines served from assets/topojson."""
    panel = data.panel
    grouped = data.tidy.groupby("x", sort=False)["value"].sum()
    trace = {
        "type": "choropleth",
        "locations": [str(v) for v in grouped.index],
        "z": grouped.tolist(),
        "locationmode": "ISO-3",
        "colorscale": panel.options.get("colorscale", "Blues"),
        "customdata": _hover(data, grouped.values),
        "hovertemplate": "%{location}: %{customdata}<extra></extra>",
        "marker": {"line": {"color": "#ffffff"}},
    }
    layout = base_layout(panel.height)
    layout["geo"] = {
        "showframe": False,
        "showcoastlines": False,
        "projection": {"type": "natural earth"},
        "bgcolor": "rgba(0,0,0,0)",
        "showcountries": True,
        "countrycolor": "#d0d4da",
        "landcolor": "#f4f5f7",
        "showland": True,
    }
    layout["margin"] = {"l": 0, "r": 0, "t": 0, "b": 0}
    return graph(figure([trace], layout), data)
