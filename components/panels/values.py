"""Single-value panels: stat, KPI card, gauge, bar gauge."""

from __future__ import annotations

import pandas as pd
from dash import html

from components.panels.common import graph, latest_by_series
from components.panels.figure import figure, sparkline_svg
from components.theme import NEUTRAL, base_layout, color
from components.units import apply_mapping, format_value, threshold_color
from data.panel_data import PanelData, QueryFrame


def reduce_value(data: PanelData, frames: list[QueryFrame]) -> float | None:
    """One number from the first query: the sum of each series' last value, or a reducer named in
    options.reduce (mean, max, min, sum over all points)."""
    if not frames or frames[0].tidy.empty:
        return None
    tidy = frames[0].tidy
    how = data.panel.options.get("reduce", "last")
    if how == "last":
        last = latest_by_series(tidy)
        return float(pd.to_numeric(last["value"], errors="coerce").sum())
    values = pd.to_numeric(tidy["value"], errors="coerce").dropna()
    return float(getattr(values, how)()) if not values.empty else None


def sparkline_points(data: PanelData) -> pd.Series | None:
    """The first query's values summed over series, by time; None when too few to draw."""
    tidy = data.frames[0].tidy if data.frames else None
    if tidy is None or tidy.empty or tidy["x"].nunique() < 3:
        return None
    return tidy.groupby("x", sort=True)["value"].sum()


def _sparkline(data: PanelData, tint: str) -> html.Img | None:
    series = sparkline_points(data)
    if series is None:
        return None
    return html.Img(src=sparkline_svg(series.to_numpy(), tint), className="sparkline", alt="")


def shown(data: PanelData, value: float | None) -> tuple[str, str]:
    """The text and colour of a value: a value mapping first, else unit and thresholds."""
    panel = data.panel
    mapping = apply_mapping(value, panel.mappings)
    if mapping is not None:
        return mapping.text, color(mapping.color or NEUTRAL)
    tint = color(threshold_color(value, panel.thresholds, NEUTRAL))
    return format_value(value, panel.unit, panel.decimals), tint


def change_percent(data: PanelData, value: float | None) -> float | None:
    """The change against the time-shifted period, in percent; None without one."""
    previous = reduce_value(data, data.previous)
    if value is None or previous in (None, 0):
        return None
    return (value - previous) / abs(previous) * 100


def change_note(data: PanelData, value: float | None) -> tuple[str, str] | None:
    """The change against the time-shifted period as a panel says it, and its mood: good, bad,
    or flat when it rounds to 0.0 % (no red arrow for a steady value)."""
    change = change_percent(data, value)
    if change is None:
        return None
    when = f"vs {data.panel.time_shift} earlier"
    if round(change, 1) == 0:
        return f"no change {when}", "flat"
    lower_better = data.panel.options.get("lower_is_better", False)
    good = (change < 0) if lower_better else (change > 0)
    arrow = "▲" if change > 0 else "▼"
    return f"{arrow} {abs(change):.1f}% {when}", "good" if good else "bad"


_MOOD_CLASS = {"good": "text-success", "bad": "text-danger", "flat": "text-muted"}


def _change(data: PanelData, value: float | None) -> html.Span | None:
    note = change_note(data, value)
    if note is None:
        return None
    text, mood = note
    return html.Span(text, className=f"panel-change small {_MOOD_CLASS[mood]}")


def _headline(data: PanelData) -> tuple[float | None, str, list]:
    """The big value in its colour, and its change against the previous period if any."""
    value = reduce_value(data, data.frames)
    text, tint = shown(data, value)
    children = [html.Div(text, className="stat-value", style={"color": tint})]
    change = _change(data, value)
    if change is not None:
        children.append(change)
    return value, tint, children


def stat(data: PanelData):
    _value, tint, children = _headline(data)
    if data.panel.options.get("sparkline", True):
        spark = _sparkline(data, tint)
        if spark is not None:
            children.append(spark)
    return html.Div(children, className="stat-panel")


def kpi(data: PanelData):
    """Value, change with arrow, progress to options.target, sparkline."""
    value, tint, children = _headline(data)
    target = data.panel.options.get("target")
    if target and value is not None:
        share = max(0.0, min(1.0, value / float(target)))
        children.append(
            html.Div(
                [
                    html.Div(
                        className="kpi-bar",
                        style={"width": f"{share * 100:.0f}%", "background": tint},
                    ),
                    html.Small(
                        f"{share * 100:.0f}% of target "
                        f"{format_value(target, data.panel.unit, data.panel.decimals)}",
                        className="text-muted",
                    ),
                ],
                className="kpi-progress",
            )
        )
    spark = _sparkline(data, tint)
    if spark is not None:
        children.append(spark)
    return html.Div(children, className="stat-panel")


def gauge(data: PanelData):
    panel = data.panel
    value = reduce_value(data, data.frames)
    low = panel.min if panel.min is not None else 0
    high = panel.max if panel.max is not None else max(100.0, (value or 0) * 1.2)
    steps = []
    bounds = [t.value if t.value is not None else low for t in panel.thresholds] + [high]
    for step, upper in zip(panel.thresholds, bounds[1:], strict=False):
        lower = step.value if step.value is not None else low
        steps.append({"range": [lower, upper], "color": color(step.color), "thickness": 0.25})
    tint = color(threshold_color(value, panel.thresholds, NEUTRAL))
    trace = {
        "type": "indicator",
        "mode": "gauge+number",
        "value": value if value is not None else 0,
        "number": {
            "valueformat": f".{panel.decimals if panel.decimals is not None else 1}f",
            "suffix": _suffix(panel.unit),
            "font": {"color": tint},
        },
        "gauge": {
            "axis": {"range": [low, high]},
            "bar": {"color": tint, "thickness": 0.6},
            "steps": steps,
            "borderwidth": 0,
        },
    }
    layout = base_layout(panel.height)
    layout["margin"] = {"l": 40, "r": 40, "t": 28, "b": 8}
    return graph(figure([trace], layout), data)


def _suffix(unit: str) -> str:
    return {"percent": "%", "s": " s", "ms": " ms", "days": " d"}.get(unit, "")


def bargauge(data: PanelData):
    """One horizontal bar per series, coloured by thresholds, labelled in the unit."""
    panel = data.panel
    last = latest_by_series(data.tidy).sort_values("value", ascending=False)
    values = pd.to_numeric(last["value"], errors="coerce")
    colors = [color(threshold_color(v, panel.thresholds, NEUTRAL)) for v in values]
    labels = [format_value(v, panel.unit, panel.decimals) for v in values]
    trace = {
        "type": "bar",
        "x": values.tolist(),
        "y": [str(s) for s in last["series"]],
        "orientation": "h",
        "marker": {"color": colors},
        "text": labels,
        "textposition": "auto",
        "hoverinfo": "y+text",
    }
    layout = base_layout(panel.height)
    layout["yaxis"] = {"autorange": "reversed", "automargin": True}
    layout["xaxis"] = {"showticklabels": False}
    if panel.max is not None:
        layout["xaxis"]["range"] = [panel.min or 0, panel.max]
    layout["showlegend"] = False
    return graph(figure([trace], layout), data)
