"""Time series: a line (or area, or bars) per series over the panel's range, threshold lines,
the `compare` period dotted ("api, 7 days earlier"), deployments, incidents and notes as markers
and bands. SQL rows grouped by day or week: a bucket the range cuts short (today so far) is drawn
as partial, dashed or hatched, its hover saying so. More than five series: the legend is a table
of each one's last, mean and max under the chart (the images keep plotly's full legend).

Options: `style` (lines, area, bars), `stack`, `legend` (default true), `bucket` (a duration:
what a click on a point means, default the drawn step), `log` (a logarithmic value axis),
`analytics` (analytics/options.py): a
forecast continuing each series dashed past its last point inside its 80 % and 95 % bands
(fitted on a longer `train` window when asked), an expected band behind each series with the
points outside it marked and counted ("3 anomalies in range"), a trend line with its slope per
day, transforms (rolling, resample, cumulative, change) applied before anything is drawn. The
card says in words what a model found or why none could be fitted; the CSV, the table view,
the images and the PDF carry the same numbers.
A click means the clicked series and its time bucket; a box zoom sets the dashboard's range.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from html import escape
from typing import Literal

import numpy as np
import pandas as pd
from dash import html
from pydantic import field_validator, model_validator

from analytics.analyse import Analysis, analyse
from analytics.anomalies import AnomalyBand
from analytics.forecast import Forecast
from analytics.options import AnalyticsOptions
from analytics.series import as_series
from analytics.transforms import transformed
from analytics.trend import Trend
from data.drilldown import Clicked, as_time, text_of
from data.panel_data import PanelData, QueryFrame
from data.spec import Panel
from data.timerange import QueryWindow, checked_duration, compare_words, parse_duration
from panels.analysed import (
    beyond_words,
    history_of,
    horizon,
    model_series,
    note_lines,
    reach_words,
)
from panels.axes import (
    GRID,
    Buckets,
    as_dates,
    bucket_size,
    buckets,
    chart_layout,
    coordinates,
    display_unit,
    epoch_ms,
    is_time,
    time_axis,
)
from panels.cards import chart
from panels.figures import escaped_figure, hline, typed, vline, vrect
from panels.kind import Context, Flag, Model, Options, PanelType, Picture, Rows
from panels.labels import display_name
from panels.legend import LegendRow, legend_frame, legend_rows, legend_table
from panels.theme import ANOMALY, BAND_ALPHA, MUTED, color, rgba, series_colors
from panels.units import axis_format, format_value, headed

LEGEND_TABLE_FROM = 6  # series: from this many the legend is a table of values


class TimeSeriesOptions(Options):
    style: Literal["lines", "area", "bars"] = "lines"
    stack: bool = False
    legend: bool = True
    bucket: str | None = None
    log: bool = False  # a logarithmic value axis: series far apart (latencies of 30 ms and 4 s)
    analytics: AnalyticsOptions | None = None

    _bucket = field_validator("bucket")(checked_duration)

    @model_validator(mode="after")
    def _drawn_alone(self) -> TimeSeriesOptions:
        asked = self.analytics
        if self.stack and asked and (asked.forecast or asked.anomalies or asked.trend):
            raise ValueError(
                "a forecast, an expected band or a trend is drawn around each series on its "
                "own, not on a stack: drop `stack`, or the analytics"
            )
        return self


@dataclass
class Line:
    name: str  # the series as the data names it (clicks and colours keep it)
    x: pd.Series  # times (or categories)
    values: np.ndarray  # in the panel's unit
    color: str
    buckets: Buckets | None = None  # SQL rows by day or week: which the range cuts short

    @property
    def label(self) -> str:
        return display_name(self.name)


@dataclass
class TimeSeriesModel(Model):
    lines: list[Line]
    previous: list[Line]  # the `compare` period, its times moved onto this one
    divisor: float  # the chart counts in the panel's unit divided by this ...
    unit: str  # ... which makes this unit (durations past two minutes in min, h, days)
    on_time_axis: bool
    thresholds: list[tuple[float, str]]
    annotations: pd.DataFrame | None
    options: TimeSeriesOptions = field(default_factory=TimeSeriesOptions)
    step: float = 0.0  # seconds between the points asked for
    legend: list[LegendRow] = field(default_factory=list)  # as a table: many series
    analysis: Analysis | None = None  # `analytics:` per series name, as far as they could go
    notes: list[str] = field(default_factory=list)  # what the analytics found, in words
    about: str = ""  # which model each forecast is, for whoever asks (the notes' hover)

    @property
    def partial(self) -> str | None:
        """`partial day` when a bucket of a line is cut short by the range."""
        cut = (line.buckets for line in self.lines if line.buckets and line.buckets.any)
        return next((b.words for b in cut), None)

    @property
    def compared(self) -> str:
        """`7 days earlier`: what the dotted lines are."""
        return compare_words(self.panel.compare) if self.panel.compare else ""


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
    """SQL's dates as text as times, so that a comparison can move them; anything else as it
    is."""
    dates = as_dates(x)
    return x if dates is None else dates


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


def _mark_buckets(data: PanelData, lines: list[Line]) -> None:
    """SQL rows grouped by time are buckets: say which ones the range cuts short."""
    if not data.frames or not all(f.query.sql for f in data.frames):
        return
    dated = [line.x for line in lines if is_time(line.x)]
    if not dated:
        return
    bucket = data.panel.options.bucket
    size = parse_duration(bucket) if bucket else bucket_size(pd.concat(dated))
    for line in lines:
        if is_time(line.x):
            line.buckets = buckets(line.x, data.time_range, size)


def _transformed(lines: list[Line], options: AnalyticsOptions | None) -> list[Line]:
    """The lines over time through the `transform` asked for (rolling, resample...)."""
    if options is None or options.transform is None:
        return lines
    out = []
    for line in lines:
        if is_time(line.x):
            moved = transformed(as_series(line.x, line.values, line.name), options.transform)
            line = Line(line.name, pd.Series(moved.index), moved.to_numpy(dtype=float), "")
        out.append(line)
    return out


def build(data: PanelData, context: Context) -> TimeSeriesModel:
    panel = data.panel
    asked = panel.options.analytics
    lines = _transformed(_lines(data.frames), asked)
    _mark_buckets(data, lines)
    shift = pd.to_timedelta(data.shift, unit="s")
    previous = _transformed(_lines(data.previous, shift), asked) if data.previous else []
    _mark_buckets(data, previous)
    # One colour per series; its earlier period dotted in the same colour.
    tints = series_colors([line.name for line in lines + previous], context.series_order)
    for line in lines + previous:
        line.color = tints[line.name]
    every = np.concatenate([line.values for line in lines]) if lines else np.array([])
    divisor, unit = display_unit(panel, pd.Series(every))
    on_time = bool(lines) and is_time(lines[0].x)
    notes = context.annotations
    if notes is not None and lines:
        notes = within(notes, pd.concat([line.x for line in lines]))
    steps = [(step.value, color(step.color)) for step in panel.thresholds[1:]]
    model = TimeSeriesModel(
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
        step=float(context.window.step) if context.window else 0.0,
    )
    if panel.options.legend and len(lines) + len(previous) >= LEGEND_TABLE_FROM:
        model.legend = legend_rows(
            [(line.label, line.color, False, line.values) for line in lines]
            + [(_earlier(model, line), line.color, True, line.values) for line in previous]
        )
    if asked is not None and lines:
        _analyse(model, data, context)
    return model


def _model_series(data: PanelData, lines: list[Line]) -> list[pd.Series]:
    """The lines over time as the models read them: SQL buckets cut short left out."""
    sql = bool(data.frames) and all(f.query.sql for f in data.frames)
    bucket = data.panel.options.bucket
    size = parse_duration(bucket) if bucket else None
    return [
        model_series(line.x, line.values, line.name, data.time_range, sql, size)
        for line in lines
        if is_time(line.x)
    ]


def _training(model: TimeSeriesModel, history: PanelData | None, series: list[pd.Series]):
    """(each series over the history a forecast is fitted on, or None; a note when that
    history could not be read and the forecast fits the range shown instead)."""
    if history is None:
        return None, None
    if history.status == "error":
        return (
            None,
            f"the training window could not be read ({history.error}): fitted on the range shown",
        )
    past = _transformed(_lines(history.frames), model.options.analytics)
    longer = {s.name: s for s in _model_series(history, past)}
    return [longer.get(one.name, one) for one in series], None


def _analyse(model: TimeSeriesModel, data: PanelData, context: Context) -> None:
    """The forecasts, expected bands and trends the panel asks for, and what they say."""
    asked = model.options.analytics
    series = _model_series(data, model.lines)
    if not series:
        model.notes = ["a forecast, an expected band or a trend needs values over time"]
        return
    training, failed = _training(model, context.history, series)
    fitted = training or series
    ahead = None
    if asked.forecast is not None:
        last = max(one.index[-1] for one in fitted if len(one))
        ahead = horizon(asked.forecast, last)
    analysis = analyse(series, asked, context.cache, training, ahead)
    model.analysis = analysis
    notes = analysis.notes + ([failed] if failed else [])
    if asked.forecast is not None and asked.forecast.reaches is not None:
        notes += _reaching(model, fitted, asked.forecast.reaches, ahead or 0.0)
    notes += [_trend_words(model, t) for t in analysis.trends.values()]
    model.notes = notes
    models = sorted({f.words for f in analysis.forecasts.values() if f.ok})
    model.about = f"Forecast: {'; '.join(models)}" if models else ""


def _reaching(
    model: TimeSeriesModel, fitted: list[pd.Series], value: float, ahead: float
) -> list[str]:
    """When each series' forecast reaches `value` ("demo-node-3 reaches 100% in about 9 days
    ..."); those that do not within the horizon in one line. Each forecast is drawn and listed
    up to there, and not past `value` (records left are done at 0, not at -8M)."""
    panel, notes, missed, stopped = model.panel, [], [], {}
    for one in fitted:
        name = str(one.name)
        predicted = model.analysis.forecasts.get(name)
        if predicted is None or not predicted.ok or not len(one):
            continue
        reach = predicted.reaching(value, rising=float(one.iloc[-1]) < value)
        stopped[name] = predicted.stopped_at(reach)
        if reach.at is None:
            missed.append(display_name(name))
        else:
            said = reach_words(reach, one.index[-1], panel.unit, panel.decimals)
            notes.append(f"{display_name(name)} {said}")
    model.analysis = replace(model.analysis, forecasts={**model.analysis.forecasts, **stopped})
    beyond = beyond_words(value, panel.unit, panel.decimals, ahead)
    if notes and missed:
        notes.append(f"the others do not reach {beyond}")
    elif len(missed) == 1:
        notes.append(f"{missed[0]} does not reach {beyond}")
    elif missed:
        notes.append(f"none reaches {beyond}")
    return notes


def _trend_words(model: TimeSeriesModel, trend: Trend) -> str:
    """`api: trend +2.5 req/s per day` (or why there is none)."""
    label = display_name(trend.name)
    if not trend.ok:
        return f"{label}: {trend.reason}"
    return f"{label}: trend {_slope(model, trend)} per day"


def _slope(model: TimeSeriesModel, trend: Trend) -> str:
    size = format_value(abs(trend.slope_per_day), model.panel.unit, model.panel.decimals)
    return f"{'-' if trend.slope_per_day < 0 else '+'}{size}"


def _earlier(model: TimeSeriesModel, line: Line) -> str:
    return f"{line.label}, {model.compared}"


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


def _period(line: Line) -> dict:
    """Buckets sit on the middle of their day (or week): a bar covers its day, and a range that
    starts at 15:00 shows the rest of that day's bar."""
    if line.buckets is None:
        return {}
    return {"xperiod": line.buckets.size * 1000, "xperiodalignment": "middle"}


def _cut(line: Line, values: np.ndarray, earlier: bool) -> tuple[dict, list[dict]]:
    """A line's partial first and last buckets: hollow points, each joined to its neighbour by
    a dashed segment (a shape: it takes no hover), so that today so far does not read as a
    fall."""
    where = np.flatnonzero(line.buckets.partial)
    times = epoch_ms(line.x)
    middle = line.buckets.size * 500  # ms: shapes are not moved to the middle by xperiod
    segments = []
    for i in where:
        j = i - 1 if i == len(values) - 1 else i + 1
        if 0 <= j < len(values) and not line.buckets.partial[j] and np.isfinite(values[j]):
            segments.append(
                {
                    "type": "line",
                    "xref": "x",
                    "yref": "y",
                    "x0": float(times[j] + middle),
                    "y0": float(values[j]),
                    "x1": float(times[i] + middle),
                    "y1": float(values[i]),
                    "line": {
                        "color": line.color,
                        "dash": "dot" if earlier else "dash",
                        "width": 1.4,
                    },
                }  # fmt: skip
            )
    points = {
        "type": "scatter",
        "mode": "markers",
        "x": typed(times[where]),
        "y": typed(values[where].astype(np.float32)),
        "marker": {"color": "white", "size": 7, "line": {"color": line.color, "width": 1.4}},
    }
    return points, segments


def _series(model: TimeSeriesModel, line: Line, hover: str, earlier: bool = False):
    """A series' traces and shapes: its line (or bars), or its earlier period's (dotted); the
    buckets the range cuts short drawn apart (hatched bars, hollow points at the end of a
    dashed segment) and named so on hover, or in a stack kept in place with that hover."""
    options = model.options
    values = line.values / model.divisor
    label = _earlier(model, line) if earlier else line.label
    cut = line.buckets.partial if line.buckets is not None and line.buckets.any else None
    bars = options.style == "bars" and not earlier
    stacked = options.stack and not earlier
    apart = cut is not None and (bars or not stacked)
    xy, count = coordinates(line.x, np.where(cut, np.nan, values) if apart else values,
                            model.on_time_axis)  # fmt: skip
    trace = {**xy, "name": label, "legendgroup": label, "hovertemplate": hover, **_period(line)}
    if model.panel.clickable and not earlier:
        # A click reports the point's customdata, not its trace's name: carry the series.
        trace["customdata"] = [line.name] * count
    if bars:
        trace.update(type="bar", marker={"color": line.color})
        if not stacked:
            trace["offsetgroup"] = label  # its partial bars take its slot in each group
    else:
        trace.update(type="scatter", mode="lines", line={"color": line.color, "width": 1.6})
        if earlier:
            trace["line"].update(dash="dot", width=1.4)
        if options.style == "area" and not earlier:
            trace["fill"] = "tonexty" if stacked else "tozeroy"
        if stacked:
            # A missing sample (a scrape that failed) is bridged; plotly would stack it as 0
            # and draw every series above it plunging to the floor.
            trace.update(stackgroup="one", stackgaps="interpolate")
    if cut is not None and not apart:
        words = line.buckets.words
        trace["hovertemplate"] = [f"{hover} ({words})" if c else hover for c in cut]
    if not apart:
        return [trace], []
    if bars:
        only, count = coordinates(line.x, np.where(cut, values, np.nan), model.on_time_axis)
        part = {**only, "type": "bar", "opacity": 0.55,
                "marker": {"color": line.color, "pattern": {"shape": "/"}}}  # fmt: skip
        if not stacked:
            part["offsetgroup"] = label
        shapes: list[dict] = []
    else:
        part, shapes = _cut(line, values, earlier)
    part.update(name=f"{label} ({line.buckets.words})", showlegend=False, legendgroup=label,
                hovertemplate=hover, **_period(line))  # fmt: skip
    if "customdata" in trace:  # a click on a partial bucket means its series too
        part["customdata"] = [line.name] * (count if bars else int(cut.sum()))
    return [trace, part], shapes


def _ms(times: pd.DatetimeIndex) -> np.ndarray:
    return epoch_ms(pd.Series(times))


def _bounded(model: TimeSeriesModel, values: np.ndarray) -> np.ndarray:
    """Values within the panel's `min` and `max`: a disk's forecast band stops at full."""
    low, high = model.panel.min, model.panel.max
    return np.clip(values, -np.inf if low is None else low, np.inf if high is None else high)


def _forecast_values(model: TimeSeriesModel, ahead: Forecast) -> dict[str, np.ndarray]:
    """A forecast's columns as drawn and listed: its mean and its 80 % and 95 % bounds."""
    columns = {"forecast": ahead.mean, "forecast lower 80": ahead.lower80,
               "forecast upper 80": ahead.upper80, "forecast lower 95": ahead.lower95,
               "forecast upper 95": ahead.upper95}  # fmt: skip
    return {name: _bounded(model, values) for name, values in columns.items()}


def _expected_values(model: TimeSeriesModel, band: AnomalyBand) -> dict[str, np.ndarray]:
    """An expected band's columns as drawn and listed."""
    columns = {"expected": band.expected, "expected lower": band.lower,
               "expected upper": band.upper}  # fmt: skip
    return {name: _bounded(model, values) for name, values in columns.items()}


def _band(model: TimeSeriesModel, times: pd.DatetimeIndex, low: np.ndarray, high: np.ndarray,
          tint: tuple[str, float], group: str) -> dict:  # fmt: skip
    """A band between `low` and `high` as one filled outline in a (colour, opacity), behind
    its series."""
    ms = _ms(times)
    y = np.concatenate([high, low[::-1]]) / model.divisor
    return {
        "type": "scatter",
        "mode": "lines",
        "x": typed(np.concatenate([ms, ms[::-1]])),
        "y": typed(y.astype(np.float32)),
        "fill": "toself",
        "fillcolor": rgba(*tint),
        "line": {"width": 0},
        "hoverinfo": "skip",
        "showlegend": False,
        "legendgroup": group,
    }


def _range_text(model: TimeSeriesModel, low: np.ndarray, high: np.ndarray) -> list[str]:
    panel = model.panel
    return [
        f"{format_value(a, panel.unit, panel.decimals)}-"
        f"{format_value(b, panel.unit, panel.decimals)}"
        for a, b in zip(low, high, strict=True)
    ]


def _forecast_traces(model: TimeSeriesModel, line: Line, ahead: Forecast, hover: str):
    """(its 95 % and 80 % bands, behind; its dashed mean, with the bands on hover)."""
    values = _forecast_values(model, ahead)
    bands = {
        level: (values[f"forecast lower {level}"], values[f"forecast upper {level}"])
        for level in ("95", "80")
    }
    behind = [
        _band(model, ahead.times, *bounds, (line.color, BAND_ALPHA[level]), line.label)
        for level, bounds in bands.items()
    ]
    said = zip(_range_text(model, *bands["80"]), _range_text(model, *bands["95"]), strict=True)
    mean = _companion(model, line, ahead.times, values["forecast"], "forecast",
                      {"dash": "dash", "width": 1.6},
                      text=[f"80 %: {a}, 95 %: {b}" for a, b in said],
                      hovertemplate=f"{hover} (%{{text}})")  # fmt: skip
    return behind, [mean]


def _expected_traces(
    model: TimeSeriesModel, line: Line, band: AnomalyBand, hover: str, first: bool
):
    """(its expected band and value, behind; its points outside the band, marked)."""
    values = _expected_values(model, band)
    low, high = values["expected lower"], values["expected upper"]
    expected = _companion(model, line, band.times, values["expected"], "expected",
                          {"dash": "dot", "width": 1}, showlegend=False, hoverinfo="skip",
                          opacity=0.7)  # fmt: skip
    tint = (line.color, BAND_ALPHA["expected"])
    behind = [_band(model, band.times, low, high, tint, line.label), expected]
    if not band.count:
        return behind, []
    out = band.flagged
    drawn = as_series(line.x, line.values).reindex(band.times[out]).to_numpy()
    marks = {
        "type": "scatter",
        "mode": "markers",
        "x": typed(_ms(band.times[out])),
        "y": typed((drawn / model.divisor).astype(np.float32)),
        "name": "anomaly",
        "legendgroup": "anomaly",
        "showlegend": first,
        "marker": {
            "color": ANOMALY,
            "size": 8,
            "symbol": "circle-open",
            "line": {"width": 2, "color": ANOMALY},
        },
        "text": [f"expected {r}" for r in _range_text(model, low[out], high[out])],
        "hovertemplate": f"{line.label} anomaly: {hover} (%{{text}})<extra></extra>",
    }
    return behind, [marks]


def _trend_line(line: Line, trend: Trend) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """The trend's straight line at each time of its series."""
    times = pd.DatetimeIndex(pd.to_datetime(line.x, utc=True))
    days = (times - trend.times[0]) / pd.Timedelta(days=1)
    return times, trend.values[0] + trend.slope_per_day * np.asarray(days, dtype=float)


def _trend_trace(model: TimeSeriesModel, line: Line, trend: Trend) -> dict:
    """The straight line through the series, at its own times; its slope in the legend."""
    times, values = _trend_line(line, trend)
    return _companion(model, line, times, values, f"trend {_slope(model, trend)}/day",
                      {"dash": "dashdot", "width": 1.2}, hoverinfo="skip")  # fmt: skip


def _companion(model: TimeSeriesModel, line: Line, times: pd.DatetimeIndex, values: np.ndarray,
               what: str, style: dict, **extra) -> dict:  # fmt: skip
    """A line drawn beside a series in its colour (its forecast, expected value or trend),
    named after it and grouped with it in the legend."""
    return {
        "type": "scatter",
        "mode": "lines",
        "x": typed(_ms(times)),
        "y": typed((values / model.divisor).astype(np.float32)),
        "name": f"{line.label} {what}",
        "legendgroup": line.label,
        "line": {"color": line.color, **style},
        **extra,
    }


def _analytics_traces(model: TimeSeriesModel, hover: str) -> tuple[list[dict], list[dict]]:
    """(what is drawn behind the series: bands, expected values; what is drawn over them:
    forecasts, trends, anomalies)."""
    behind, over = [], []
    analysis = model.analysis
    if analysis is None:
        return behind, over
    marked = False
    for line in model.lines:
        band = analysis.bands.get(line.name)
        if band is not None and band.ok:
            back, front = _expected_traces(model, line, band, hover, not marked)
            behind, over, marked = behind + back, over + front, marked or bool(front)
        ahead = analysis.forecasts.get(line.name)
        if ahead is not None and ahead.ok:
            back, front = _forecast_traces(model, line, ahead, hover)
            behind, over = behind + back, over + front
        trend = analysis.trends.get(line.name)
        if trend is not None and trend.ok:
            over.append(_trend_trace(model, line, trend))
    return behind, over


def _forecast_end(model: TimeSeriesModel) -> pd.Timestamp | None:
    ends = [
        f.times[-1]
        for f in (model.analysis.forecasts.values() if model.analysis else ())
        if f.ok and len(f.times)
    ]
    return max(ends) if ends else None


def _chart(model: TimeSeriesModel) -> dict:
    """The chart, without the notes of its analytics (the card says them under it)."""
    panel, options = model.panel, model.options
    _ticks, hover = axis_format(model.unit, panel.decimals)
    behind, over = _analytics_traces(model, hover)
    traces, shapes = list(behind), []
    for line in model.lines:
        drawn, segments = _series(model, line, hover)
        traces += drawn
        shapes += segments
    traces += over
    for line in model.previous:
        drawn, segments = _series(model, line, hover, earlier=True)
        traces += drawn
        shapes += segments
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
    if options.style == "bars" and options.stack:
        layout["barmode"] = "stack"
    if options.log:
        _logarithmic(model, layout["yaxis"], shown)
    layout["xaxis"] = {"gridcolor": GRID, "type": "-"}
    if model.on_time_axis:
        layout["xaxis"] = time_axis(model.time_range, model.step)
        # The range asked for, not the span of the data: an hour with three minutes of samples
        # is drawn as that, not as three minutes; and on to the end of the forecasts.
        ends = pd.to_datetime([model.time_range.start, model.time_range.end], unit="s", utc=True)
        last = _forecast_end(model)
        if last is not None and last > ends[1]:
            ends = pd.DatetimeIndex([ends[0], last])
            # Where the data ends and the forecasts begin.
            now = max(pd.Timestamp(line.x.max()) for line in model.lines if len(line.x))
            layout["shapes"] = [*layout.get("shapes", []), vline(now.timestamp() * 1000, MUTED)]
        layout["xaxis"]["range"] = epoch_ms(pd.Series(ends)).tolist()
    return escaped_figure(traces, layout)


def _logarithmic(model: TimeSeriesModel, axis: dict, shown: np.ndarray) -> None:
    """A value axis on a log scale over the positive values drawn, ticked at 1, 2 and 5 of
    each decade in the panel's unit ("200 ms", "500 ms", "1 s")."""
    axis.pop("rangemode", None)
    axis["type"] = "log"
    positive = shown[np.isfinite(shown) & (shown > 0)]
    if not len(positive):
        return
    low, high = positive.min() / 1.2, positive.max() * 1.2
    axis["range"] = [float(np.log10(low)), float(np.log10(high))]
    decades = range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
    ticks = [m * 10.0**k for k in decades for m in (1, 2, 5) if low <= m * 10.0**k <= high]
    panel = model.panel
    axis["tickvals"] = ticks
    axis["ticktext"] = [format_value(t * model.divisor, panel.unit, panel.decimals) for t in ticks]


def figure(model: TimeSeriesModel) -> dict:
    """The chart as the images draw it: the notes of its analytics over it."""
    drawn = _chart(model)
    if model.notes:
        layout = drawn["layout"]
        # The width exports draw a panel at by default (exports/figures.py default_size).
        lines = note_lines(model.notes, max(320, model.panel.width / 12 * 1200) - 40)
        layout["margin"] = {**layout["margin"], "t": layout["margin"]["t"] + 16 * len(lines) + 2}
        note = {
            "text": "<br>".join(escape(line) for line in lines),
            "x": 0,
            "y": 1,
            "xref": "paper",
            "yref": "paper",
            "xanchor": "left",
            "yanchor": "bottom",
            "align": "left",
            "showarrow": False,
            "font": {"size": 11, "color": MUTED},
        }
        layout["annotations"] = [*layout.get("annotations", []), note]
    return drawn


def _plot(model: TimeSeriesModel, drawn: dict) -> dict:
    """The figure as the card and the PDF draw it: no legend box where the legend is a table."""
    if model.legend:
        drawn["layout"]["showlegend"] = False
    return drawn


def _notes(model: TimeSeriesModel) -> html.Div:
    """What the analytics found, in words, under the chart."""
    said = []
    for n, note in enumerate(model.notes):
        said += [" · "] if n else []
        said.append(html.Span(note))
    return html.Div(said, className="panel-notes small text-muted px-2", title=model.about or None)


def card(model: TimeSeriesModel):
    """The chart; with many series its legend is a table of their values under it (a legend
    box would hide some behind a scroll bar); the analytics' notes under it."""
    drawn = chart(model, _plot(model, _chart(model)), summary(model))
    parts = [drawn] + ([_notes(model)] if model.notes else [])
    if model.legend:
        caption = f"Series of {model.panel.title}, over {model.span}"
        parts.append(legend_table(model.legend, model.panel, caption))
    if len(parts) == 1:
        return drawn
    return html.Div(parts, className="panel-with-legend" if model.legend else None)


def pdf(model: TimeSeriesModel) -> Picture:
    """The chart with its notes; with many series, its legend table under it as on the card."""
    table = legend_frame(model.legend, model.panel) if model.legend else None
    return Picture(_plot(model, figure(model)), table)


def _shown_values(model: TimeSeriesModel) -> np.ndarray:
    """The values the value axis must hold, in the drawn unit: stacked, their sums."""
    if not model.lines:
        return np.array([])
    ahead = model.analysis.forecasts.values() if model.analysis else ()
    upper = [_bounded(model, f.upper95) / model.divisor for f in ahead if f.ok]
    if upper:
        return np.concatenate([*upper, *(line.values / model.divisor for line in model.lines)])
    if model.options.stack:
        columns = [pd.Series(line.values, index=line.x) for line in model.lines]
        frame = pd.concat(columns, axis=1, sort=True)
        return frame.sum(axis=1).to_numpy() / model.divisor
    return np.concatenate([line.values for line in model.lines]) / model.divisor


def summary(model: TimeSeriesModel) -> str:
    panel = model.panel
    if not model.lines:
        return f"{panel.title}, {model.span}: no data"
    latest = [(line.label, line.values[~np.isnan(line.values)]) for line in model.lines]
    parts = [
        f"{name} {format_value(values[-1], panel.unit, panel.decimals)}"
        for name, values in latest[:8]
        if len(values)
    ]
    more = f" and {len(latest) - 8} more" if len(latest) > 8 else ""
    peaks = [(values.max(), name) for name, values in latest if len(values)]
    top = max(peaks) if peaks else None
    peak = f"; highest {top[1]} {format_value(top[0], panel.unit, panel.decimals)}" if top else ""
    partial = next(
        (line.buckets.words for line in model.lines if line.buckets and line.buckets.any), None
    )
    ends = f"; the first or last point is a {partial}" if partial else ""
    earlier = f"; dotted: {model.compared}" if model.previous else ""
    found = "".join(f"; {note}" for note in model.notes)
    return (
        f"{panel.title}, {model.span}, latest: {', '.join(parts)}{more}{peak}{ends}{earlier}{found}"
    )


def _wide(lines: list[Line], unit: str, suffix: str = "") -> pd.DataFrame:
    """Time as the index, a column per series (as the chart names and orders its traces)."""
    columns = {}
    for line in lines:
        name = f"{line.label}{suffix}"
        columns[headed(name, unit)] = pd.Series(line.values, index=line.x)
    return pd.DataFrame(columns).groupby(level=0).first() if columns else pd.DataFrame()


def rows(model: TimeSeriesModel) -> Rows:
    """A row per time, a column per series; the `compare` period's as columns of their own
    ("api, 7 days earlier"); a column `partial` naming the buckets the range cuts short."""
    unit = model.panel.unit
    wide = _wide(model.lines, unit)
    if model.previous:
        wide = wide.join(_wide(model.previous, unit, f", {model.compared}"), how="outer")
    marked = [line for line in model.lines if line.buckets is not None and line.buckets.any]
    if marked and not wide.empty:
        cut = pd.concat([pd.Series(line.buckets.partial, index=line.x) for line in marked])
        cut = cut.groupby(level=0).any().reindex(wide.index, fill_value=False)
        wide["partial"] = np.where(cut, model.partial, "")
    found = _analysed_columns(model)
    if found:
        wide = pd.concat([wide, pd.DataFrame(found)], axis=1).sort_index()
    frame = wide.reset_index(names="time") if not wide.empty else pd.DataFrame({"time": []})
    text = ("time", "partial", *(c for c in found if c.endswith(" anomaly")))
    return Rows(frame, {c: unit for c in frame.columns if c not in text})


def _analysed_columns(model: TimeSeriesModel) -> dict[str, pd.Series]:
    """Each series' forecast with its 80 % and 95 % bounds, expected value and band with its
    anomalies marked, and trend, as columns by time (units in the headers but the marks')."""
    analysis, unit = model.analysis, model.panel.unit
    columns: dict[str, pd.Series] = {}
    if analysis is None:
        return columns
    for line in model.lines:
        label = line.label
        ahead = analysis.forecasts.get(line.name)
        if ahead is not None and ahead.ok:
            for name, values in _forecast_values(model, ahead).items():
                columns[headed(f"{label} {name}", unit)] = pd.Series(values, index=ahead.times)
        band = analysis.bands.get(line.name)
        if band is not None and band.ok:
            for name, values in _expected_values(model, band).items():
                columns[headed(f"{label} {name}", unit)] = pd.Series(values, index=band.times)
            marks = np.where(band.flagged, "anomaly", "")
            columns[f"{label} anomaly"] = pd.Series(marks, index=band.times)
        trend = analysis.trends.get(line.name)
        if trend is not None and trend.ok:
            times, values = _trend_line(line, trend)
            columns[headed(f"{label} trend", unit)] = pd.Series(values, index=times)
    return columns


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
    """An earlier period read (`compare`) and not drawn dotted: the reader is promised a
    comparison that is not there (SQL's dates as text were once dropped that way)."""
    panel = model.panel
    if not panel.compare or model.previous or all(f.tidy.empty for f in data.previous):
        return []
    return [
        (
            "comparison-not-drawn",
            f"compare {panel.compare} read the earlier period but drew none: its x column "
            "must be times (or dates as text) for the period to move onto this one",
        )
    ]


KIND = PanelType(
    "timeseries",
    TimeSeriesOptions,
    build,
    summary,
    card=card,
    rows=rows,
    figure=figure,
    pdf=pdf,
    click=click,
    lint=lint,
    annotated=True,
    compares=True,
    history=history_of,
)
