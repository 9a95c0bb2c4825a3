"""Annotations from the dashboard page: operators and admins add them; their author or an admin
edits or deletes them. Each is stored in the state database, audited, and drawn on the
dashboard's time-series panels for everyone (the panels refresh when the dash-notes store
changes). Every action resolves the dashboard from the page's store through view.resolve and checks
its level itself; a note is changed only on the dashboard it belongs to."""

from __future__ import annotations

from datetime import UTC, datetime

from dash import ALL, Dash, Input, Output, State, ctx, html, no_update
from flask import request

from appdb.notes import Note
from auth.access import current_viewer
from auth.users import User
from callbacks.access import OPERATORS, STORE, callback
from components.annotate import notes_list
from data.timerange import TimeRangeError, parse_time
from services import services
from view.resolve import ViewDenied, authorise, store_state

FIELDS = ("op-annotate-text", "op-annotate-time", "op-annotate-end", "op-annotate-tags")


class NotAllowed(Exception):
    """The message for the form: why this viewer may not do this here."""


def _moment(raw: str | None, what: str) -> datetime:
    try:
        return datetime.fromtimestamp(parse_time((raw or "").strip() or "now"), UTC)
    except TimeRangeError as exc:
        raise ValueError(f"{what}: {exc}") from None


def _operator_on(store) -> tuple[User, str]:
    """The viewer (an operator or admin) and the dashboard of the page's store they may open."""
    viewer = current_viewer()
    if not (isinstance(viewer, User) and viewer.at_least("operator")):
        raise NotAllowed("Only operators and admins annotate dashboards.")
    try:
        slug, _ = store_state(store)
        return viewer, authorise(viewer, slug, users_only=True).slug
    except (ViewDenied, ValueError) as exc:
        raise NotAllowed(getattr(exc, "message", str(exc))) from None


def _editable(viewer: User, slug: str, note_id) -> Note:
    note = services().notes.get(note_id) if isinstance(note_id, int) else None
    if note is None or note.dashboard != slug:
        raise NotAllowed("That annotation is not on this dashboard (deleted meanwhile?).")
    if not note.editable_by(viewer.name, viewer.is_admin):
        raise NotAllowed(f"Only {note.author} or an admin may change that annotation.")
    return note


def _audit(action: str, viewer: User, slug: str, **detail) -> None:
    services().audit.record(action, viewer.name, target=slug, ip=request.remote_addr or "",
                           detail=detail)  # fmt: skip


def save_note(store, editing, text: str | None, when: str | None, end: str | None,
              tags: str | None) -> tuple[str, bool]:  # fmt: skip
    """(message, ok) for the form: a new note, or the edit of note `editing`."""
    try:
        viewer, slug = _operator_on(store)
        previous = _editable(viewer, slug, editing) if editing is not None else None
    except NotAllowed as exc:
        return str(exc), False
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
    labels = tuple(t.strip() for t in (tags or "").split(",") if t.strip())[:10]
    store_ = services().notes
    detail = {"time": start.isoformat(), "text": text[:200]}
    if previous is None:
        note_id = store_.add(Note(slug, start, finish, text[:500], labels, viewer.name))
        _audit("annotation_add", viewer, slug, id=note_id, **detail)
        return f"Added at {start:%Y-%m-%d %H:%M} UTC.", True
    store_.edit(Note(slug, start, finish, text[:500], labels, previous.author, previous.id))
    _audit("annotation_edit", viewer, slug, id=previous.id, before=previous.text[:200], **detail)
    return f"Saved the annotation at {start:%Y-%m-%d %H:%M} UTC.", True


def delete_note(store, note_id) -> tuple[str, bool]:
    try:
        viewer, slug = _operator_on(store)
        note = _editable(viewer, slug, note_id)
    except NotAllowed as exc:
        return str(exc), False
    services().notes.delete(note.id)
    _audit("annotation_delete", viewer, slug, id=note.id, author=note.author, text=note.text[:200])
    return "Deleted the annotation.", True


def _result(message: str, ok: bool) -> html.Span:
    return html.Span(message, className="text-success" if ok else "text-danger")


def _clicked_note(clicks: list) -> int | None:
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(clicks):
        return None
    return trigger.get("note")


RESULT = Output("op-annotate-result", "children", allow_duplicate=True)


def _on_note_button(app: Dash, button: str, *outputs: Output):
    """An operator's callback on a button of every note in the list (`edit`, `delete`)."""
    return callback(
        app,
        *outputs,
        Input({"type": f"op-note-{button}", "note": ALL}, "n_clicks"),
        State(*STORE),
        prevent_initial_call=True,
        access=OPERATORS,
    )


def register(app: Dash) -> None:
    @callback(
        app,
        Output("op-annotate-collapse", "is_open"),
        Input("op-annotate-open", "n_clicks"),
        State("op-annotate-collapse", "is_open"),
        prevent_initial_call=True,
        access=OPERATORS,
    )
    def toggle(_clicks, is_open):
        return not is_open

    @callback(
        app,
        Output("op-notes-list", "children"),
        Input("op-annotate-collapse", "is_open"),
        Input("dash-notes", "data"),
        State(*STORE),
        prevent_initial_call=True,
        access=OPERATORS,
    )
    def show_notes(is_open, _changed, store):
        if not is_open:
            return no_update
        try:
            viewer, slug = _operator_on(store)
        except NotAllowed as exc:
            return _result(str(exc), False)
        notes = services().notes.latest(slug)
        return notes_list(notes, viewer.name, viewer.is_admin)

    @callback(
        app,
        Output("op-annotate-result", "children"),
        Output("dash-notes", "data"),
        Output("op-annotate-editing", "data"),
        Input("op-annotate-save", "n_clicks"),
        State(*STORE),
        State("op-annotate-editing", "data"),
        *(State(field, "value") for field in FIELDS),
        prevent_initial_call=True,
        access=OPERATORS,
    )
    def save(_clicks, store, editing, text, when, end, tags):
        message, ok = save_note(store, editing, text, when, end, tags)
        changed = datetime.now(UTC).isoformat() if ok else no_update
        return _result(message, ok), changed, None if ok else no_update

    editing = [Output("op-annotate-editing", "data", allow_duplicate=True), RESULT]
    form = [Output(field, "value") for field in FIELDS]

    @_on_note_button(app, "edit", *form, *editing)
    def start_edit(clicks, store):
        note_id = _clicked_note(clicks)
        if note_id is None:
            return (no_update,) * 6
        try:
            viewer, slug = _operator_on(store)
            note = _editable(viewer, slug, note_id)
        except NotAllowed as exc:
            return (*(no_update,) * 5, _result(str(exc), False))
        end = f"{note.end:%Y-%m-%d %H:%M}" if note.end else ""
        fields = (note.text, f"{note.time:%Y-%m-%d %H:%M}", end, ", ".join(note.tags))
        return (*fields, note.id, _result("Editing: change it, then Save.", True))

    @_on_note_button(app, "delete", RESULT, Output("dash-notes", "data", allow_duplicate=True))
    def delete(clicks, store):
        note_id = _clicked_note(clicks)
        if note_id is None:
            return no_update, no_update
        message, ok = delete_note(store, note_id)
        return _result(message, ok), datetime.now(UTC).isoformat() if ok else no_update
