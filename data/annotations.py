"""Annotation events for time-series panels: rows of a SQL query (time, text[, end]), the samples
of a PromQL expression, and the notes users added to the dashboard (kept in the state database),
over the dashboard's time range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Engine, func, insert, select

from data.datasources import DataLayer
from data.errors import DataSourceError
from data.panel_data import render_sql
from data.spec import Dashboard
from data.sql import SQLSource
from data.state import annotations
from data.timerange import TimeRange

COLUMNS = ["source", "time", "end", "text", "color"]
NOTES = "Notes"  # the source name of user-added annotations
NOTE_COLOR = "#1f9fa8"


@dataclass(frozen=True)
class Note:
    dashboard: str
    time: datetime
    end: datetime | None
    text: str
    tags: tuple[str, ...]
    author: str


class AnnotationStore:
    """Annotations added from the UI by operators and admins, per dashboard."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, note: Note) -> int:
        with self.engine.begin() as db:
            result = db.execute(
                insert(annotations).values(
                    dashboard=note.dashboard,
                    time=note.time,
                    end=note.end,
                    text=note.text,
                    tags=",".join(note.tags),
                    author=note.author,
                    created_at=datetime.now(UTC),
                )
            )
        return result.inserted_primary_key[0]

    def version(self, dashboard: str) -> int:
        """Changes whenever a note is added: part of the rendered panels' cache key."""
        query = select(func.max(annotations.c.id)).where(annotations.c.dashboard == dashboard)
        with self.engine.connect() as db:
            return db.execute(query).scalar() or 0

    def frame(self, dashboard: str, tr: TimeRange) -> pd.DataFrame:
        start, end = (datetime.fromtimestamp(t, UTC) for t in (tr.start, tr.end))
        query = (
            select(annotations)
            .where(annotations.c.dashboard == dashboard)
            .where(annotations.c.time <= end)
            .where(func.coalesce(annotations.c.end, annotations.c.time) >= start)
            .order_by(annotations.c.time)
        )
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        return pd.DataFrame(
            {
                "source": NOTES,
                "time": pd.to_datetime([r.time for r in rows], utc=True),
                "end": pd.to_datetime([r.end for r in rows], utc=True),
                "text": [_note_text(r) for r in rows],
                "color": NOTE_COLOR,
            },
            columns=COLUMNS,
        )


def _note_text(row) -> str:
    tags = f" [{row.tags}]" if row.tags else ""
    return f"{row.text}{tags} — {row.author}"


def fetch_annotations(
    layer: DataLayer, dashboard: Dashboard, tr: TimeRange, notes: AnnotationStore | None = None
) -> pd.DataFrame:
    """All annotation sources of the dashboard, and its notes; a failing source is left out."""
    parts = []
    if notes is not None:
        stored = notes.frame(dashboard.slug, tr)
        if not stored.empty:
            parts.append(stored)
    for source in dashboard.annotations:
        try:
            if source.sql:
                db: SQLSource = layer.source(source.datasource, SQLSource)
                sql = render_sql(source.sql, db.engine.dialect.name)
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
                raw = layer.prometheus_range(source.datasource, source.expr, tr).value
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
