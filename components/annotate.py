"""The dashboard's "Add annotation" form (operators and admins): text, time, optional end, tags.
Saved notes appear on every time-series panel of the dashboard, for every viewer."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


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
                html.Div(id="op-annotate-result", className="small mt-1"),
            ],
            className="py-2",
        ),
        className="mb-2",
    )
    return html.Div(
        [
            dbc.Button(
                "Add annotation", id="op-annotate-open", size="sm", color="link", className="px-0"
            ),  # fmt: skip
            dbc.Collapse(form, id="op-annotate-collapse", is_open=False),
        ]
    )
