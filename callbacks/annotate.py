"""Adding an annotation from the dashboard page: stored in the state database with its author,
audited, and drawn on the dashboard's time-series panels for everyone (the panels refresh when
the dash-notes store changes). Ids start with `op-`: the guard refuses them to viewers."""

from __future__ import annotations

from datetime import UTC, datetime

from dash import Dash, Input, Output, State, html, no_update
from flask import request

from data import runtime
from data.access import current_viewer
from data.annotations import AnnotationStore, Note
from data.timerange import TimeRangeError, parse_time
from data.users import User


def _moment(raw: str | None, what: str) -> datetime:
    try:
        return datetime.fromtimestamp(parse_time((raw or "").strip() or "now"), UTC)
    except TimeRangeError as exc:
        raise ValueError(f"{what}: {exc}") from None


def save_note(slug: str, text: str | None, when: str | None, end: str | None, tags: str | None):
    """(message, ok) for the form; the note is stored when ok."""
    viewer = current_viewer()
    dashboard = runtime.dashboards().get(slug)
    if not (isinstance(viewer, User) and viewer.at_least("operator")) or dashboard is None:
        return "Only operators and admins add annotations.", False
    text = (text or "").strip()
    if not text:
        return "Write what happened.", False
    try:
        start = _moment(when, "Time")
        finish = _moment(end, "End") if (end or "").strip() else None
    except ValueError as exc:
        return f"{exc}. Use now, now-15m, 2026-11-23 14:00 or epoch ms.", False
    if finish is not None and finish < start:
        return "The end is before the start.", False
    labels = tuple(t.strip() for t in (tags or "").split(",") if t.strip())
    note = Note(slug, start, finish, text[:500], labels[:10], viewer.name)
    AnnotationStore(runtime.state()).add(note)
    runtime.audit().record("annotation_add", viewer.name, target=slug,
                           ip=request.remote_addr or "",
                           detail={"time": start.isoformat(), "text": text[:200]})  # fmt: skip
    return f"Added at {start:%Y-%m-%d %H:%M} UTC.", True


def register(app: Dash) -> None:
    @app.callback(
        Output("op-annotate-collapse", "is_open"),
        Input("op-annotate-open", "n_clicks"),
        State("op-annotate-collapse", "is_open"),
        prevent_initial_call=True,
    )
    def toggle(_clicks, is_open):
        return not is_open

    @app.callback(
        Output("op-annotate-result", "children"),
        Output("dash-notes", "data"),
        Input("op-annotate-save", "n_clicks"),
        State("dash-state", "data"),
        State("op-annotate-text", "value"),
        State("op-annotate-time", "value"),
        State("op-annotate-end", "value"),
        State("op-annotate-tags", "value"),
        prevent_initial_call=True,
    )
    def save(_clicks, state, text, when, end, tags):
        message, ok = save_note((state or {}).get("slug", ""), text, when, end, tags)
        note = html.Span(message, className="text-success" if ok else "text-danger")
        return note, (datetime.now(UTC).isoformat() if ok else no_update)
