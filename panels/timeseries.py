"""Time series: a line (or area, or bars) per series over the panel's range, threshold lines,
the time-shifted period dotted, deployments, incidents and notes as markers and bands.

Options: `style` (lines, area, bars), `stack`, `legend` (default true), `bucket` (a duration:
what a click on a point means, default the drawn step).
A click means the clicked series and its time bucket; a box zoom sets the dashboard's range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import field_validator

from data.drilldown import Clicked, as_time, text_of
from data.panel_data import PanelData, QueryFrame
from data.spec import Panel
from data.timerange import QueryWindow, checked_duration, parse_duration
from panels.axes import GRID, chart_layout, coordinates, display_unit, epoch_ms, is_time
from panels.figures import escaped_figure, hline, typed, vrect
from panels.kind import Context, Flag, Model, Options, PanelType, Rows
from panels.theme import color, series_colors
from panels.units import axis_format, format_value, headed


class TimeSeriesOptions(Options):
    style: Literal["lines", "area", "bars"] = "lines"
    stack: bool = False
    legend: bool = True
    bucket: str | None = None

    _bucket = field_validator("bucket")(checked_duration)


@dataclass
class Line:
    name: str
    x: pd.Series  # times (or categories)
    values: np.ndarray  # in the panel's unit
    color: str


@dataclass
class TimeSeriesModel(Model):
    lines: list[Line]
    previous: list[Line]  # the time-shifted period, its times moved onto this one
    divisor: float  # the chart counts in the panel's unit divided by this ...
    unit: str  # ... which makes this unit (durations past two minutes in min, h, days)
    on_time_axis: bool
    thresholds: list[tuple[float, str]]
    annotations: pd.DataFrame | None
    options: TimeSeriesOptions = field(default_factory=TimeSeriesOptions)


def _lines(frames: list[QueryFrame], shift: pd.Timedelta | None = None) -> list[Line]:
    """A line per series; with a shift, only the series drawn over time, moved by it (a period
    of categories has no earlier period to lay over this one)."""
    tidy = (
        pd.concat([f.tidy for f in frames if not f.tidy.empty], ignore_index=True)
        if any(not f.tidy.empty for f in frames)
        else pd.DataFrame()
    )
    if tidy.empty:
        return []
    lines = []
    for name, series in tidy.groupby("series", sort=True):
        series = series.sort_values("x")
        x = _dates(series["x"])
        if shift is not None and not is_time(x):
            continue
        times = x + shift if shift is not None else x
        values = pd.to_numeric(series["value"], errors="coerce").to_numpy(dtype=np.float64)
        lines.append(Line(str(name), times.reset_index(drop=True), values, ""))
    return lines


def _dates(x: pd.Series) -> pd.Series:
    """SQL's dates as text (`$__day` gives '2026-11-23') as times, so that a time shift can move
    them; anything else as it is."""
    if is_time(x) or not len(x) or pd.api.types.is_numeric_dtype(x):
        return x
    try:
        return pd.to_datetime(x, utc=True, format="ISO8601")
    except (ValueError, TypeError):
        return x


def within(annotations: pd.DataFrame, times: pd.Series) -> pd.DataFrame:
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


def build(data: PanelData, context: Context) -> TimeSeriesModel:
    panel = data.panel
    lines = _lines(data.frames)
    shift = pd.to_timedelta(parse_duration(panel.time_shift or "0s"), unit="s")
    previous = _lines(data.previous, shift) if data.previous else []
    # One colour per series; its earlier period dotted in the same colour.
    tints = series_colors([line.name for line in lines + previous])
    for line in lines + previous:
        line.color = tints[line.name]
    every = np.concatenate([line.values for line in lines]) if lines else np.array([])
    divisor, unit = display_unit(panel, pd.Series(every))
    on_time = bool(lines) and is_time(lines[0].x)
    notes = context.annotations
    if notes is not None and lines:
        notes = within(notes, pd.concat([line.x for line in lines]))
    steps = [(step.value, color(step.color)) for step in panel.thresholds[1:]]
    return TimeSeriesModel(
        panel,
        data.slug,
        data.time_range,
        lines,
        previous,
        divisor,
        unit,
        on_time,
        steps,
        notes,
        panel.options,
    )


def _annotation_traces(annotations: pd.DataFrame, top: float) -> tuple[list[dict], list[dict]]:
    """Deployments and incidents: a marker at the top of the plot, details on hover; incidents
    with an end also as a shaded region."""
    markers, bands = [], []
    for name, group in annotations.groupby("source", sort=False):
        tint = group["color"].iloc[0]
        markers.append(
            {
                "type": "scatter",
                "x": typed(epoch_ms(group["time"])),
                "y": [top * 1.05] * len(group),
                "mode": "markers",
                "marker": {"symbol": "triangle-down", "size": 9, "color": tint},
                "name": str(name),
                "text": group["text"].tolist(),
                "hovertemplate": "%{text}<extra></extra>",
            }
        )
        for _, row in group.dropna(subset=["end"]).iterrows():
            bands.append(vrect(row["time"].timestamp() * 1000, row["end"].timestamp() * 1000, tint))
    return markers, bands


def figure(model: TimeSeriesModel) -> dict:
    panel, options = model.panel, model.options
    stacked = options.stack
    _ticks, hover = axis_format(model.unit, panel.decimals)
    traces, shapes = [], []
    for line in model.lines:
        xy, count = coordinates(line.x, line.values / model.divisor, model.on_time_axis)
        trace = {**xy, "name": line.name, "hovertemplate": hover}
        if panel.clickable:
            # A click reports the point's customdata, not its trace's name: carry the series.
            trace["customdata"] = [line.name] * count
        if options.style == "bars":
            traces.append({**trace, "type": "bar", "marker": {"color": line.color}})
            continue
        trace.update(type="scatter", mode="lines", line={"color": line.color, "width": 1.6})
        if options.style == "area":
            trace["fill"] = "tonexty" if stacked else "tozeroy"
        if stacked:
            # A missing sample (a scrape that failed) is bridged; plotly would stack it as 0 and
            # draw every series above it plunging to the floor.
            trace.update(stackgroup="one", stackgaps="interpolate")
        traces.append(trace)
    for line in model.previous:
        traces.append(
            {
                "type": "scatter",
                "x": typed(epoch_ms(line.x)),
                "y": typed((line.values / model.divisor).astype(np.float32)),
                "name": f"{line.name} ({panel.time_shift} ago)",
                "mode": "lines",
                "line": {"color": line.color, "dash": "dot", "width": 1.2},
                "opacity": 0.7,
                "hovertemplate": hover,
            }
        )
    shapes += [hline(value / model.divisor, tint) for value, tint in model.thresholds]
    shown = _shown_values(model)
    if model.annotations is not None and not model.annotations.empty and len(shown):
        markers, bands = _annotation_traces(model.annotations, float(np.nanmax(shown) or 1))
        traces += markers
        shapes += bands
    layout = chart_layout(
        panel,
        pd.Series(shown) if len(shown) else None,
        scale=(model.divisor, model.unit),
        shapes=shapes,
        showlegend=options.legend,
    )
    if options.style == "bars" and stacked:
        layout["barmode"] = "stack"
    layout["xaxis"] = {"gridcolor": GRID, "type": "date" if model.on_time_axis else "-"}
    if model.on_time_axis:
        # The range asked for, not the span of the data: an hour with three minutes of samples
        # is drawn as that, not as three minutes.
        ends = pd.to_datetime([model.time_range.start, model.time_range.end], unit="s", utc=True)
        layout["xaxis"]["range"] = epoch_ms(pd.Series(ends)).tolist()
    return escaped_figure(traces, layout)


def _shown_values(model: TimeSeriesModel) -> np.ndarray:
    """The values the value axis must hold, in the drawn unit: stacked, their sums."""
    if not model.lines:
        return np.array([])
    if model.options.stack:
        frame = pd.concat([pd.Series(line.values, index=line.x) for line in model.lines], axis=1)
        return frame.sum(axis=1).to_numpy() / model.divisor
    return np.concatenate([line.values for line in model.lines]) / model.divisor


def summary(model: TimeSeriesModel) -> str:
    panel = model.panel
    if not model.lines:
        return f"{panel.title}, {model.span}: no data"
    latest = [(line.name, line.values[~np.isnan(line.values)]) for line in model.lines]
    parts = [
        f"{name} {format_value(values[-1], panel.unit, panel.decimals)}"
        for name, values in latest[:8]
        if len(values)
    ]
    more = f" and {len(latest) - 8} more" if len(latest) > 8 else ""
    peaks = [(values.max(), name) for name, values in latest if len(values)]
    top = max(peaks) if peaks else None
    peak = f"; highest {top[1]} {format_value(top[0], panel.unit, panel.decimals)}" if top else ""
    return f"{panel.title}, {model.span}, latest: {', '.join(parts)}{more}{peak}"


def _wide(lines: list[Line], unit: str, suffix: str = "") -> pd.DataFrame:
    """Time as the index, a column per series (by name, as the chart orders its traces)."""
    columns = {}
    for line in lines:
        name = f"{line.name}{suffix}"
        columns[headed(name, unit)] = pd.Series(line.values, index=line.x)
    return pd.DataFrame(columns).groupby(level=0).first() if columns else pd.DataFrame()


def rows(model: TimeSeriesModel) -> Rows:
    unit = model.panel.unit
    wide = _wide(model.lines, unit)
    if model.previous:
        earlier = _wide(model.previous, unit, f", {model.panel.time_shift} earlier")
        wide = wide.join(earlier, how="outer")
    frame = wide.reset_index(names="time") if not wide.empty else pd.DataFrame({"time": []})
    return Rows(frame, {c: model.panel.unit for c in frame.columns if c != "time"})


def click(panel: Panel, point: dict, window: QueryWindow) -> Clicked:
    """The clicked series, and the time bucket of the point: the drawn step (or `bucket`)."""
    moment = as_time(point.get("x"))
    custom = point.get("customdata")
    series = text_of(custom) if not isinstance(custom, list) else None
    if moment is None:
        return Clicked(series=series)
    size = parse_duration(panel.options.bucket) if panel.options.bucket else window.step
    return Clicked(series=series, bucket_start=moment, bucket_end=moment + size)


def lint(model: TimeSeriesModel, data: PanelData) -> list[Flag]:
    """An earlier period read (time_shift) and not drawn dotted: the reader is promised a
    comparison that is not there (SQL's dates as text were once dropped that way)."""
    panel = model.panel
    if not panel.time_shift or model.previous or all(f.tidy.empty for f in data.previous):
        return []
    return [
        (
            "comparison-not-drawn",
            f"time_shift {panel.time_shift} read the earlier period but drew none: its x column "
            "must be times (or dates as text) for the period to move onto this one",
        )
    ]


KIND = PanelType(
    "timeseries",
    TimeSeriesOptions,
    build,
    summary,
    rows=rows,
    figure=figure,
    click=click,
    lint=lint,
    annotated=True,
)
