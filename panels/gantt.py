"""Gantt (a timeline of phases): a bar per row from its start to its end, coloured by its status,
labelled with its progress, now marked (or the end of a range in the past).

Options: the SQL columns `name`, `start`, `end`, `status`, `progress` (defaults: those names).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd

from data.panel_data import PanelData
from panels.axes import time_axis
from panels.figures import escape_text, escaped_figure, vline
from panels.kind import Context, Model, Options, PanelType, Rows
from panels.theme import BAD, NEUTRAL, OK, base_layout
from panels.units import headed

STATUS_COLORS = {
    "done": OK,
    "in_progress": NEUTRAL,
    "planned": "#9aa5b1",
    "blocked": BAD,
    "late": BAD,
    "at_risk": "#fa6400",
}


class GanttOptions(Options):
    name: str = "name"
    start: str = "start"
    end: str = "end"
    status: str = "status"
    progress: str = "progress"


@dataclass
class Phase:
    name: str
    start: pd.Timestamp
    end: pd.Timestamp
    status: str
    progress: float | None


@dataclass
class GanttModel(Model):
    phases: list[Phase]
    now: pd.Timestamp  # the moment the plan is read at: now, or the end of a range in the past


def build(data: PanelData, _context: Context) -> GanttModel:
    options = data.panel.options
    raw = data.frames[0].raw
    phases = []
    for _, row in raw.iterrows():
        progress = row.get(options.progress)
        phases.append(
            Phase(
                str(row[options.name]),
                pd.Timestamp(row[options.start]),
                pd.Timestamp(row[options.end]),
                str(row.get(options.status, "")),
                None if progress is None or pd.isna(progress) else float(progress),
            )
        )
    moment = min(time.time(), data.time_range.end)
    now = pd.Timestamp(moment, unit="s")
    return GanttModel(data.panel, data.slug, data.time_range, phases, now)


def figure(model: GanttModel) -> dict:
    traces, seen = [], set()
    for phase in model.phases:
        label = f"{phase.progress:.0f}%" if phase.progress is not None else ""
        traces.append(
            {
                "type": "bar",
                "x": [(phase.end - phase.start).total_seconds() * 1000],
                "y": [phase.name],
                "base": [phase.start.isoformat()],
                "orientation": "h",
                "name": phase.status,
                "legendgroup": phase.status,
                "showlegend": phase.status not in seen,
                "text": [label],
                "textposition": "inside",
                "marker": {"color": STATUS_COLORS.get(phase.status, NEUTRAL)},
                "hovertemplate": escape_text(f"{phase.name}: {phase.status} {label}")
                + f"<br>{phase.start:%Y-%m-%d} → {phase.end:%Y-%m-%d}<extra></extra>",
            }
        )
        seen.add(phase.status)
    layout = base_layout(model.panel.height)
    layout.update(
        barmode="overlay",
        hovermode="closest",
        shapes=[vline(model.now.isoformat(), BAD)],
        xaxis=time_axis(model.time_range),
        yaxis={"autorange": "reversed", "automargin": True},
    )
    return escaped_figure(traces, layout)


def summary(model: GanttModel) -> str:
    parts = [
        f"{p.name} {p.status.replace('_', ' ')}"
        + (f" {p.progress:.0f}%" if p.progress is not None else "")
        for p in model.phases
    ]
    return f"{model.panel.title}: {', '.join(parts) or 'no data'}"


def rows(model: GanttModel) -> Rows:
    progress = headed("progress", "percent")  # as the bars print it: 100%
    frame = pd.DataFrame(
        [(p.name, p.start, p.end, p.status, p.progress) for p in model.phases],
        columns=["name", "start", "end", "status", progress],
    )
    return Rows(frame, {progress: "percent"})


KIND = PanelType("gantt", GanttOptions, build, summary, rows=rows, figure=figure)
