"""Cohort retention: users grouped by when they signed up (by day, week or month), and the share
of each cohort active in each period since signup, as a triangle of percentages with the
absolute counts on hover, and the average curve below it (analytics.cohorts says how).

The panel writes its own SQL from its options (tables and columns from the spec, never from the
browser), with the macros that expand per database, so it runs on SQLite and PostgreSQL and is
scoped like any panel (the scopes rewrite it as any other query):

```yaml
- id: retention
  type: cohort
  datasource: warehouse
  options:
    period: week            # day, week or month (30 days) since signup
    periods: 8              # columns
    signups: {table: customers, id: id, time: signup_at}
    events: {table: customer_activity, user: customer_id, time: active_at}
    where: kind = 'session' # optional: which events count (a condition on the events' table)
```

Cohorts are the sign-ups in the panel's time range; activity counts until its end. Faded cells
are periods some members have not lived through yet; the average curve leaves them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from analytics.cohorts import PERIOD_SECONDS, Retention, retention
from data.panel_data import PanelData
from data.spec import Query
from panels.figures import escaped_figure, text_note
from panels.kind import Context, Model, Options, PanelType, Rows
from panels.theme import MUTED, PALETTE, base_layout, colorscale
from panels.units import format_value, headed

IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"
MACROS = {"day": "$__day", "week": "$__week", "month": "$__month"}
HEATMAP_SHARE = 0.66  # of the figure's height; the average curve has the rest


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Signups(_Strict):
    table: str = Field(pattern=IDENTIFIER)
    id: str = Field(default="id", pattern=IDENTIFIER)
    time: str = Field(default="signup_at", pattern=IDENTIFIER)
    # Which sign-ups count (both the cohorts' sizes and their activity): SQL on the sign-ups'
    # columns as `s.<column>`, e.g. `s.region IN :region`.
    where: str | None = None


class Events(_Strict):
    table: str = Field(pattern=IDENTIFIER)
    user: str = Field(default="user_id", pattern=IDENTIFIER)
    time: str = Field(default="created_at", pattern=IDENTIFIER)


class CohortOptions(Options):
    period: Literal["day", "week", "month"] = "week"
    periods: int = Field(default=8, ge=2, le=60)
    signups: Signups
    events: Events
    where: str | None = None  # which events count: SQL on the events' columns


def cohort_sql(options: CohortOptions) -> str:
    """Active users per (cohort, period since signup), and each cohort's size (period NULL):
    sign-ups in [:start, :end), activity before :end."""
    s, e = options.signups, options.events
    bucket = MACROS[options.period]
    length = PERIOD_SECONDS[options.period]
    where = f" AND ({options.where})" if options.where else ""
    chosen = f" AND ({s.where})" if s.where else ""
    # Whole seconds on both sides, then integer division: floor on SQLite and PostgreSQL alike.
    elapsed = f"CAST($__epoch(e.{e.time}) AS BIGINT) - CAST($__epoch(s.{s.time}) AS BIGINT)"
    return (
        f"SELECT cohort, period, count(DISTINCT member) AS users FROM ("
        f"SELECT {bucket}(s.{s.time}) AS cohort, s.{s.id} AS member, "
        f"({elapsed}) / {length} AS period "
        f"FROM {s.table} s JOIN {e.table} e ON e.{e.user} = s.{s.id} "
        f"WHERE $__timeFilter(s.{s.time}) AND e.{e.time} >= s.{s.time} AND e.{e.time} < :end"
        f"{chosen}{where}) AS active GROUP BY cohort, period "
        f"UNION ALL "
        f"SELECT {bucket}(s.{s.time}) AS cohort, NULL AS period, count(*) AS users "
        f"FROM {s.table} s WHERE $__timeFilter(s.{s.time}){chosen} GROUP BY 1"
    )


def write_queries(options: CohortOptions) -> list[Query]:
    return [Query(sql=cohort_sql(options), x="cohort", y="users")]


@dataclass
class CohortModel(Model):
    retention: Retention
    labels: list[str]  # each cohort as its rows say it

    @property
    def periods(self) -> list[str]:
        return [f"{self.retention.period} {n}" for n in range(self.retention.active.shape[1])]


def _label(start: pd.Timestamp, period: str) -> str:
    return f"{start:%Y-%m}" if period == "month" else f"{start:%Y-%m-%d}"


def triangle(raw: pd.DataFrame, options: CohortOptions, end: pd.Timestamp) -> Retention:
    """The retention triangle from the rows the panel's query returns."""
    cohort = pd.to_datetime(raw["cohort"], utc=True, format="mixed")
    sized = raw["period"].isna()
    sizes = pd.Series(raw["users"][sized].to_numpy(dtype=float), index=cohort[sized])
    counts = pd.DataFrame(
        {"cohort": cohort[~sized], "period": raw["period"][~sized], "users": raw["users"][~sized]}
    )
    return retention(counts, sizes.groupby(level=0).sum(), options.period, options.periods, end)


def build(data: PanelData, _context: Context) -> CohortModel:
    options: CohortOptions = data.panel.options
    # The end the query was bound to (:end, aligned to its step): activity counts until then.
    end = pd.Timestamp(data.window.end, unit="s", tz="UTC")
    found = triangle(data.frames[0].raw, options, end)
    labels = [_label(c, options.period) for c in found.cohorts]
    return CohortModel(data.panel, data.slug, data.time_range, found, labels)


def _cells(model: CohortModel, complete: bool) -> tuple[list, list, list]:
    """z, text and hover data of the complete (or the in-progress) cells, None elsewhere."""
    found = model.retention
    percent, z, text, custom = found.percent, [], [], []
    for i, size in enumerate(found.sizes):
        z.append([]), text.append([]), custom.append([])
        for k in range(percent.shape[1]):
            value = percent[i, k]
            shown = not np.isnan(value) and bool(found.complete[i, k]) == complete
            z[-1].append(round(float(value), 2) if shown else None)
            text[-1].append(f"{value:.0f}%" if shown else "")
            custom[-1].append([int(found.active[i, k]), int(size)] if shown else [None, None])
    return z, text, custom


def figure(model: CohortModel) -> dict:
    found = model.retention
    layout = base_layout(model.panel.height)
    layout["hovermode"] = "closest"
    layout["showlegend"] = False
    layout["margin"] = {"l": 84, "r": 12, "t": 8, "b": 44}
    if not found.ok:
        layout["xaxis"], layout["yaxis"] = {"visible": False}, {"visible": False}
        layout["annotations"] = [text_note(escape(found.reason), 0.5, 0.5, 13, MUTED)]
        return {"data": [], "layout": layout}
    traces = []
    for complete in (True, False):
        z, text, custom = _cells(model, complete)
        progress = "" if complete else " (in progress)"
        traces.append(
            {
                "type": "heatmap",
                "x": model.periods,
                "y": model.labels,
                "z": z,
                "text": text,
                "texttemplate": "%{text}",
                "customdata": custom,
                "zmin": 0,
                "zmax": 100,
                "colorscale": colorscale("blues"),
                "showscale": False,
                "opacity": 1.0 if complete else 0.45,
                "xgap": 1,
                "ygap": 1,
                "hovertemplate": f"%{{y}} cohort (%{{customdata[1]:,}} users) · %{{x}}{progress}: "
                "%{z:.1f}% (%{customdata[0]:,} active)<extra></extra>",
            }
        )
    average = found.average
    done = found.complete & ~np.isnan(found.active)
    totals = [
        [int(np.where(done[:, k], found.active[:, k], 0).sum()),
         int(np.where(done[:, k], found.sizes, 0).sum())]
        for k in range(len(average))
    ]  # fmt: skip
    traces.append(
        {
            "type": "scatter",
            "mode": "lines+markers+text",
            "x": model.periods,
            "y": [None if np.isnan(v) else round(float(v), 2) for v in average],
            "text": ["" if np.isnan(v) else f"{v:.0f}%" for v in average],
            "textposition": "top center",
            "customdata": totals,
            "line": {"color": PALETTE[0], "width": 2},
            "xaxis": "x2",
            "yaxis": "y2",
            "name": "average",
            "hovertemplate": "average · %{x}: %{y:.1f}% (%{customdata[0]:,} of "
            "%{customdata[1]:,} users of complete cohorts)<extra></extra>",
        }
    )
    gap = 0.1
    unit = f"{found.period}s since sign-up"
    layout["margin"]["t"] = 40
    layout["xaxis"] = {
        "type": "category",
        "side": "top",
        "anchor": "y",
        "tickvals": model.periods,
        "ticktext": [str(n) for n in range(len(model.periods))],
        "title": {"text": unit, "font": {"size": 11}, "standoff": 2},
    }
    layout["yaxis"] = {
        "type": "category",
        "autorange": "reversed",
        "domain": [1 - HEATMAP_SHARE, 1],
        "automargin": True,
    }
    layout["xaxis2"] = {
        "type": "category",
        "anchor": "y2",
        "matches": "x",
        "showticklabels": False,
        "title": {
            "text": "faded: still in progress, left out of the average",
            "font": {"size": 10},
        },
    }
    layout["yaxis2"] = {
        "domain": [0, 1 - HEATMAP_SHARE - gap],
        "range": [0, 105],
        "ticksuffix": "%",
        "title": {"text": "average", "font": {"size": 11}},
    }
    return escaped_figure(traces, layout)


def rows(model: CohortModel) -> Rows:
    """A row per cell of the triangle (its cohort, size, period, active users, retention) and a
    row per period of the average over complete cohorts."""
    found = model.retention
    retained = headed("retention", "percent")
    records = []
    done = found.complete & ~np.isnan(found.active)
    for i, label in enumerate(model.labels):
        for k, period in enumerate(model.periods):
            if np.isnan(found.active[i, k]):
                continue
            records.append((label, int(found.sizes[i]), period, int(found.active[i, k]),
                            round(float(found.percent[i, k]), 2),
                            "complete" if found.complete[i, k] else "in progress"))  # fmt: skip
    for k, period in enumerate(model.periods):
        if np.isnan(found.average[k]):
            continue
        size = int(np.where(done[:, k], found.sizes, 0).sum())
        active = int(np.where(done[:, k], found.active[:, k], 0).sum())
        average = round(float(found.average[k]), 2)
        records.append(("average", size, period, active, average, "complete"))
    columns = ["cohort", "users", "period", "active", retained, "state"]
    return Rows(pd.DataFrame(records, columns=columns), {retained: "percent"})


def summary(model: CohortModel) -> str:
    found, panel = model.retention, model.panel
    if not found.ok:
        return f"{panel.title}, {model.span}: {found.reason}"
    said = [
        f"{panel.title}, {model.span}: {len(found.cohorts)} cohorts by {found.period}, "
        f"{int(found.sizes.sum()):,} sign-ups"
    ]
    curve = [
        f"{name} {format_value(value, 'percent', 0)}"
        for name, value in zip(model.periods, found.average, strict=True)
        if not np.isnan(value)
    ]
    if curve:
        said.append("average retention " + ", ".join(curve[:4]))
    return "; ".join(said)


KIND = PanelType(
    "cohort",
    CohortOptions,
    build,
    summary,
    rows=rows,
    figure=figure,
    writes_queries=write_queries,
)
