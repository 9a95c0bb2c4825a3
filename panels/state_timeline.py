"""State timeline: a lane per series, each run of one state a coloured bar; the state of a value
is its value mapping (`UP`, `DOWN`) or, without one, its value in the unit, coloured by the
thresholds."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from data.panel_data import PanelData
from panels.axes import time_axis
from panels.figures import escape_text, escaped_figure
from panels.kind import Context, Model, Options, PanelType, Rows
from panels.labels import display_name
from panels.numbers import shown
from panels.theme import base_layout


@dataclass
class Run:
    lane: str
    start: pd.Timestamp
    end: pd.Timestamp
    state: str
    color: str


@dataclass
class StateTimelineModel(Model):
    runs: list[Run]


def build(data: PanelData, _context: Context) -> StateTimelineModel:
    runs = []
    for name, series in data.tidy.groupby("series", sort=True):
        series = series.sort_values("x")
        states = [shown(data.panel, v) for v in series["value"]]
        times = list(series["x"])
        start = 0
        for i in range(1, len(times) + 1):
            if i == len(times) or states[i].text != states[start].text:
                end = times[i] if i < len(times) else times[-1]
                runs.append(
                    Run(
                        display_name(name),
                        times[start],
                        end,
                        states[start].text,
                        states[start].color,
                    )  # fmt: skip
                )
                start = i
    return StateTimelineModel(data.panel, data.slug, data.time_range, runs)


def figure(model: StateTimelineModel) -> dict:
    traces, seen = [], set()
    for run in model.runs:
        width = (run.end - run.start).total_seconds() * 1000 or 1
        traces.append(
            {
                "type": "bar",
                "x": [width],
                "y": [run.lane],
                "base": [run.start.isoformat()],
                "orientation": "h",
                "marker": {"color": run.color},
                "name": run.state,
                "legendgroup": run.state,
                "showlegend": run.state not in seen,
                "hovertemplate": escape_text(f"{run.lane}: {run.state}") + "<extra></extra>",
            }
        )
        seen.add(run.state)
    layout = base_layout(model.panel.height)
    layout.update(
        barmode="overlay",
        hovermode="closest",
        bargap=0.3,
        # The range asked for, as a time series: two minutes of states under "Last 6 hours"
        # are drawn as that (and plotly's ticks for a two-minute span ran into each other).
        xaxis={
            **time_axis(model.time_range),
            "range": [model.time_range.start * 1000, model.time_range.end * 1000],
        },
        yaxis={"automargin": True},
    )
    return escaped_figure(traces, layout)


def summary(model: StateTimelineModel) -> str:
    latest: dict[str, str] = {}
    for run in model.runs:
        latest[run.lane] = run.state
    parts = [f"{lane} {state}" for lane, state in list(latest.items())[:8]]
    return f"{model.panel.title}, {model.span}, now: {', '.join(parts) or 'no data'}"


def rows(model: StateTimelineModel) -> Rows:
    frame = pd.DataFrame(
        [(r.lane, r.start, r.end, r.state) for r in model.runs],
        columns=["series", "from", "to", "state"],
    )
    return Rows(frame, {})


KIND = PanelType("state_timeline", Options, build, summary, rows=rows, figure=figure)
