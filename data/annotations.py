"""Annotation events for time-series panels: rows of a SQL query (time, text[, end]), the samples
of a PromQL expression, and the notes users added to the dashboard (read from the app's database
by the caller: appdb/notes.py), over the dashboard's time range."""

from __future__ import annotations

import pandas as pd

from data.datasources import DataLayer
from data.errors import DataSourceError
from data.panel_data import render_sql
from data.spec import Dashboard
from data.sql import SQLSource
from data.timerange import TimeRange

COLUMNS = ["source", "time", "end", "text", "color"]  # of every source's events, and of notes


def fetch_annotations(
    layer: DataLayer, dashboard: Dashboard, tr: TimeRange, notes: pd.DataFrame | None = None
) -> pd.DataFrame:
    """All annotation sources of the dashboard, and its `notes` (COLUMNS); a failing source is
    left out."""
    parts = []
    if notes is not None and not notes.empty:
        parts.append(notes)
    for source in dashboard.annotations:
        try:
            if source.sql:
                db: SQLSource = layer.source(source.datasource, SQLSource)
                sql = render_sql(source.sql, db.dialect)
                raw = layer.sql(source.datasource, sql, tr, ttl=60).value.frame
                frame = pd.DataFrame(
                    {
                        "time": pd.to_datetime(raw.iloc[:, 0], utc=True, format="mixed"),
                        "text": raw.iloc[:, 1].astype(str),
                        "end": pd.to_datetime(raw.iloc[:, 2], utc=True, format="mixed")
                        if raw.shape[1] > 2
                        else pd.NaT,
                    }
                )
            else:
                raw = layer.prometheus(source.datasource, source.expr, tr).value
                raw = raw[raw["value"] > 0]
                frame = pd.DataFrame(
                    {"time": raw["timestamp"], "text": raw["series"], "end": pd.NaT}
                )
        except DataSourceError:
            continue
        frame["source"] = source.name
        frame["color"] = source.color
        parts.append(frame[COLUMNS])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
