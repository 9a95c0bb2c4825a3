"""The dashboard's annotations form (operators and admins): text, time, optional end, tags; and
the list of the dashboard's notes, with Edit and Delete on those the viewer wrote (an admin's on
every one). Saved notes appear on every time-series panel of the dashboard, for every viewer."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from appdb.notes import Note


def annotate_form() -> html.Div:
    def field(label: str, control, width: int) -> dbc.Col:
        return dbc.Col([html.Label(label, className="toolbar-label"), control], md=width)

    form = dbc.Card(
        dbc.CardBody(
            [
                dbc.Row(
                    [
                        field(
                            "Text", dbc.Input(id="op-annotate-text", size="sm", maxLength=500), 4
                        ),  # fmt: skip
                        field("Time", dbc.Input(id="op-annotate-time", value="now", size="sm"), 2),
                        field("End (optional)", dbc.Input(id="op-annotate-end", size="sm"), 2),
                        field(
                            "Tags (comma-separated)", dbc.Input(id="op-annotate-tags", size="sm"), 2
                        ),  # fmt: skip
                        dbc.Col(
                            dbc.Button(
                                "Save", id="op-annotate-save", size="sm", className="mt-3"
                            ),  # fmt: skip
                            md=2,
                        ),
                    ],
                    className="g-2",
                ),
                dcc.Store(id="op-annotate-editing", data=None),
                html.Div(id="op-annotate-result", className="small mt-1", role="status"),
                html.Div(id="op-notes-list", className="mt-2"),
            ],
            className="py-2",
        ),
        className="mb-2",
    )
    return html.Div(
        [
            dbc.Button(
                "Annotations", id="op-annotate-open", size="sm", color="link", className="px-0"
            ),  # fmt: skip
            dbc.Collapse(form, id="op-annotate-collapse", is_open=False),
        ]
    )


def notes_list(notes: list[Note], viewer_name: str, is_admin: bool) -> html.Div:
    if not notes:
        return html.Div("No annotations on this dashboard yet.", className="small text-muted")
    rows = []
    for note in notes:
        when = f"{note.time:%Y-%m-%d %H:%M}" + (f" to {note.end:%H:%M}" if note.end else "")
        actions = []
        if note.editable_by(viewer_name, is_admin):
            actions = [
                dbc.Button(
                    label,
                    id={"type": f"op-note-{button}", "note": note.id},
                    size="sm",
                    color="link",
                    className=f"py-0 {tone}",
                )
                for label, button, tone in (
                    ("Edit", "edit", ""),
                    ("Delete", "delete", "text-danger"),
                )
            ]
        tags = f" [{', '.join(note.tags)}]" if note.tags else ""
        rows.append(
            html.Li(
                [html.Span(f"{when} UTC · {note.text}{tags} — {note.author}"), *actions],
                className="small",
                **{"data-note": str(note.id)},
            )
        )
    return html.Ul(rows, className="list-unstyled mb-0 notes-list")
