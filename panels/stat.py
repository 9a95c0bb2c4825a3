"""Stat: one number, in its unit and colour, its change against its `compare` period (or the
toolbar's "Compare with"), and a sparkline of the first query. The KPI card (panels/kpi.py) is
a stat with a target.

Options: `reduce` (last: the sum of each series' latest value; mean, max, min, sum over every
point), `sparkline` (default true), `lower_is_better` (a fall is good news: green arrow),
`analytics` (a `forecast:` only: panels/outlook.py): "forecast end of month: $1.32M (± 4 %)",
and against a KPI's target, "on track" or "at risk".
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Literal

import numpy as np
import pandas as pd
from dash import html
from pydantic import field_validator

from analytics.options import AnalyticsOptions
from data.panel_data import PanelData
from data.timerange import compare_words
from panels.analysed import history_of
from panels.figures import bare_layout, sparkline_svg, text_note
from panels.kind import Context, Model, Options, PanelType, Rows
from panels.numbers import REDUCERS, Change, Shown, change, reduce_value, shown, sparkline_points
from panels.outlook import Outlook, outlook
from panels.theme import BAD, MUTED, OK, css_color, rgba, text_color
from panels.units import format_value, headed

MOOD_CLASS = {"good": "text-success", "bad": "text-danger", "flat": "text-muted"}
MOOD_COLOR = {"good": OK, "bad": BAD, "flat": MUTED}


def forecast_only(value: AnalyticsOptions | None) -> AnalyticsOptions | None:
    """A stat's `analytics:`, as its validator checks them: a forecast, nothing else."""
    if value is not None and (value.forecast is None or value.anomalies or value.trend
                              or value.transform):  # fmt: skip
        raise ValueError(
            "a stat shows a forecast only (`forecast:`); an expected band, a trend or a "
            "transform needs a time series panel"
        )
    return value


class StatOptions(Options):
    reduce: Literal[REDUCERS] = "last"  # type: ignore[valid-type]
    sparkline: bool = True
    lower_is_better: bool = False
    analytics: AnalyticsOptions | None = None

    _forecast = field_validator("analytics")(forecast_only)


@dataclass(frozen=True)
class Target:
    value: float
    share: float  # of the target reached, 0 upwards (not capped: 115 % reads 115 %)
    text: str


@dataclass
class ValueModel(Model):
    value: float | None
    shown: Shown
    change: Change | None
    sparkline: pd.Series | None
    previous: float | None = None  # the `compare` period's value
    target: Target | None = None
    outlook: Outlook | None = None  # its forecast, as its `analytics:` ask

    @property
    def compared(self) -> tuple[str, str] | None:
        """(text, mood) of the comparison: the change, or why there is none to show."""
        if self.change is not None:
            return self.change.text, self.change.mood
        if not self.panel.compare or self.value is None:
            return None
        words = compare_words(self.panel.compare)
        return ("no data " if self.previous is None else "was 0, ") + words, "flat"

    @property
    def notes(self) -> list[tuple[str, str]]:
        """(text, mood) under the value: the comparison, the share of the target."""
        notes = [self.compared] if self.compared else []
        if self.target is not None:
            notes.append((self.target.text, "flat"))
        return notes + [(text, mood) for text, mood, _hover in self.forecast_notes]

    @property
    def forecast_notes(self) -> list[tuple[str, str, str | None]]:
        """(text, mood, hover) of its forecast: the value with its margin, the verdict."""
        if self.outlook is None:
            return []
        return self.outlook.notes(self.panel.unit, self.panel.decimals)


def build_value(data: PanelData, reduce: str, lower_is_better: bool, spark: bool) -> ValueModel:
    value = reduce_value(data.frames, reduce)
    previous = reduce_value(data.previous, reduce) if data.previous else None
    return ValueModel(
        panel=data.panel,
        slug=data.slug,
        time_range=data.time_range,
        value=value,
        shown=shown(data.panel, value),
        change=change(data.panel, value, previous, lower_is_better),
        sparkline=sparkline_points(data.frames) if spark else None,
        previous=previous,
    )


def build(data: PanelData, context: Context) -> ValueModel:
    options: StatOptions = data.panel.options
    model = build_value(data, options.reduce, options.lower_is_better, options.sparkline)
    model.outlook = outlook(data, context, options.reduce, options.lower_is_better)
    return model


def _earlier(model: ValueModel) -> str | None:
    """The value the comparison is with (`7 days earlier: 1.2K`), said on hover."""
    panel = model.panel
    if not panel.compare or model.previous is None:
        return None
    earlier = format_value(model.previous, panel.unit, panel.decimals)
    return f"{compare_words(panel.compare)}: {earlier}"


def card(model: ValueModel) -> html.Div:
    children: list = [
        html.Div(
            model.shown.text,
            className="stat-value",
            style={"color": text_color(model.shown.color, large=True)},
        )
    ]
    if model.compared is not None:
        text, mood = model.compared
        children.append(
            html.Span(
                text,
                className=f"panel-change small {MOOD_CLASS[mood]}",
                title=_earlier(model),
            )
        )
    if model.target is not None:
        children.append(
            html.Div(
                [
                    html.Div(
                        className="kpi-bar",
                        style={
                            "width": f"{min(1.0, model.target.share) * 100:.0f}%",
                            "background": css_color(model.shown.color),
                        },
                    ),
                    html.Small(model.target.text, className="text-muted"),
                ],
                className="kpi-progress",
            )
        )
    for text, mood, hover in model.forecast_notes:
        children.append(html.Div(text, className=f"stat-forecast small {MOOD_CLASS[mood]}",
                                 title=hover))  # fmt: skip
    if model.sparkline is not None:
        points = model.sparkline.to_numpy()
        children.append(
            html.Img(src=sparkline_svg(points, model.shown.color), className="sparkline", alt="")
        )
    return html.Div(
        children, className="stat-panel", role="group", **{"aria-label": summary(model)}
    )


def rows(model: ValueModel) -> Rows:
    panel = model.panel
    row = {headed("value", panel.unit): [model.value]}
    if panel.compare:
        row[headed(compare_words(panel.compare), panel.unit)] = [model.previous]
    if model.target is not None:
        row[headed("target", panel.unit)] = [model.target.value]
    ahead = model.outlook
    if ahead is not None and ahead.reason is None:
        row[headed(ahead.label, panel.unit)] = [ahead.value]
        row[headed(f"{ahead.label} lower 95", panel.unit)] = [ahead.low]
        row[headed(f"{ahead.label} upper 95", panel.unit)] = [ahead.high]
        if ahead.target is not None:
            row[headed(f"target for the {ahead.label}", panel.unit)] = [ahead.target]
    return Rows(pd.DataFrame(row), {name: panel.unit for name in row})


def summary(model: ValueModel) -> str:
    parts = [f"{model.panel.title}, {model.span}: {model.shown.text}"]
    parts += [text for text, _mood in model.notes]
    return "; ".join(parts)


def _indicator_number(text: str) -> dict | None:
    """`$1.2M` as an indicator's number: value 1.2, prefix `$`, suffix `M`, one decimal, so the
    image shows exactly the card's text. None when the text is not a number."""
    start = next((i for i, c in enumerate(text) if c.isdigit() or c == "-"), None)
    if start is None:
        return None
    end = start + 1
    while end < len(text) and (text[end].isdigit() or text[end] in ",."):
        end += 1
    digits = text[start:end].replace(",", "")
    try:
        value = float(digits)
    except ValueError:
        return None
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return {
        "value": value,
        "number": {"prefix": text[:start], "suffix": text[end:], "valueformat": f",.{decimals}f"},
    }


def figure(model: ValueModel) -> dict:
    """The card as an image: the value in its colour (an indicator), the notes under it as on
    the card, the sparkline below."""
    layout = bare_layout(model.panel)
    traces: list[dict] = []
    bottom = 0.0
    tint = model.shown.color
    if model.sparkline is not None:
        traces.append(
            {
                "type": "scatter",
                "x": list(range(len(model.sparkline))),
                "y": model.sparkline.to_numpy(dtype=np.float64).tolist(),
                "mode": "lines",
                "fill": "tozeroy",
                "line": {"color": tint, "width": 1.5},
                "fillcolor": rgba(tint, 0.1),
            }
        )
        layout["xaxis"] = {"visible": False, "domain": [0, 1]}
        layout["yaxis"] = {"visible": False, "domain": [0, 0.28], "rangemode": "tozero"}
        bottom = 0.3
    notes = model.notes
    for n, (text, mood) in enumerate(reversed(notes)):
        layout.setdefault("annotations", []).append(
            text_note(escape(text), 0.5, bottom + 0.05 + n * 0.1, 12, MOOD_COLOR[mood])
        )
    above_notes = bottom + 0.1 * len(notes)
    number = None if model.shown.mapped else _indicator_number(model.shown.text)
    if number is None:
        layout.setdefault("annotations", []).append(
            text_note(
                f"<b>{escape(model.shown.text)}</b>", 0.5, (above_notes + 1) / 2 + 0.05, 40, tint
            )
        )
    else:
        number["number"]["font"] = {"color": tint}
        traces.append(
            {
                "type": "indicator",
                "mode": "number",
                **number,
                "domain": {"x": [0, 1], "y": [above_notes + 0.05, 1]},
            }
        )
    return {"data": traces, "layout": layout}


def target_of(
    model: ValueModel, target: float | None, words: str = "{share} of target {target}"
) -> Target | None:
    """The share of `target` the value reached, said as `words` says it."""
    if not target or model.value is None:
        return None
    share = max(0.0, model.value / target)
    goal = format_value(target, model.panel.unit, model.panel.decimals)
    return Target(target, share, words.format(share=f"{share * 100:.0f}%", target=goal))


KIND = PanelType(
    "stat",
    StatOptions,
    build,
    summary,
    card=card,
    rows=rows,
    figure=figure,
    compares=True,
    history=history_of,
)
