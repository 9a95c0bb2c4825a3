"""Notes users add to a dashboard's time axis (operators and admins, from the UI), kept in the
app's database; drawn with the dashboard's other annotations (data/annotations.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import delete, func, insert, select, update

from appdb.schema import Store, annotations
from data.annotations import COLUMNS
from data.timerange import TimeRange

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
    id: int | None = None  # once stored

    def editable_by(self, name: str, is_admin: bool) -> bool:
        """Its author, or an admin, may edit or delete it."""
        return is_admin or name == self.author


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _note(row) -> Note:
    tags = tuple(t for t in (row.tags or "").split(",") if t)
    return Note(row.dashboard, _utc(row.time), _utc(row.end), row.text, tags, row.author, row.id)


class AnnotationStore(Store):
    """Annotations added from the UI by operators and admins, per dashboard."""

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

    def get(self, note_id: int) -> Note | None:
        with self.engine.connect() as db:
            row = db.execute(select(annotations).where(annotations.c.id == note_id)).first()
        return _note(row) if row is not None else None

    def latest(self, dashboard: str, limit: int = 50) -> list[Note]:
        """The dashboard's notes, newest first."""
        query = (
            select(annotations)
            .where(annotations.c.dashboard == dashboard)
            .order_by(annotations.c.time.desc())
            .limit(limit)
        )
        with self.engine.connect() as db:
            return [_note(row) for row in db.execute(query)]

    def edit(self, note: Note) -> None:
        """A stored note's new text, times and tags (its author stays)."""
        with self.engine.begin() as db:
            db.execute(
                update(annotations)
                .where(annotations.c.id == note.id)
                .values(
                    time=note.time,
                    end=note.end,
                    text=note.text,
                    tags=",".join(note.tags),
                    changed_at=datetime.now(UTC),
                )
            )

    def delete(self, note_id: int) -> None:
        with self.engine.begin() as db:
            db.execute(delete(annotations).where(annotations.c.id == note_id))

    def version(self, dashboard: str) -> str:
        """Changes whenever a note of the dashboard is added, edited or deleted: part of the
        rendered panels' cache key."""
        query = select(
            func.count(), func.max(annotations.c.id), func.max(annotations.c.changed_at)
        ).where(annotations.c.dashboard == dashboard)
        with self.engine.connect() as db:
            count, newest, changed = db.execute(query).one()
        return f"{count}:{newest}:{changed}"

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
