"""The Dash pieces panel types share on the page: a chart with its one-line summary for screen
readers, a message in place of data, and the "View as table" of any panel's rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dash_bootstrap_components as dbc
from dash import dcc, html

import urls
from panels.units import cell_text

if TYPE_CHECKING:  # panels/kind.py draws a chart card with `chart`
    from panels.kind import Model, Rows


def graph_id(slug: str, panel_id: str) -> dict:
    """The id of a panel's chart: the click and zoom callbacks listen to every one of them."""
    return {"type": "panel-graph", "slug": slug, "panel": panel_id}


def graph_config(maps_under: str | None) -> dict:
    config = {"displayModeBar": False, "responsive": True}
    if maps_under is not None:
        # Plotly fetches map outlines from a CDN unless told where they are: ours are assets.
        config["topojsonURL"] = urls.asset(maps_under, "topojson/")
    return config


def chart(model: Model, figure: dict, summary: str, maps_under: str | None = None) -> html.Div:
    """A chart as the page shows it: the figure, clickable when the panel says what a click does,
    inside a picture whose text alternative is the panel's summary. `maps_under`: the prefix
    (URL_PREFIX) of a map's outlines."""
    keys = {}
    if model.panel.clickable:
        figure["layout"]["clickmode"] = "event"
        # A Tab stop whose arrow keys step through the points and Enter clicks one
        # (assets/chart-keys.js): a drill-down for the keyboard too.
        summary = (
            summary.rstrip(".") + ". Arrow keys step through its points; Enter opens the one shown."
        )
        keys = {"tabIndex": "0", "data-chart-keys": "points"}
    return html.Div(
        dcc.Graph(
            id=graph_id(model.slug, model.panel.id),
            figure=figure,
            config=graph_config(maps_under),
            style={"height": f"{model.panel.height}px"},
            className="panel-graph",
        ),
        role="img",
        **{"aria-label": summary},
        **keys,
    )


# A panel's state is told by a sign and words, not by the message's colour alone.
SIGNS = {"danger": "✕", "warning": "⚠", "secondary": "⊘", "light": "ℹ"}


def message(text: str, color: str = "secondary") -> html.Div:
    sign = html.Span(SIGNS.get(color, "ℹ") + " ", className="me-1", **{"aria-hidden": "true"})
    alert = dbc.Alert([sign, text], color=color, className="m-0 py-2 small")
    return html.Div(alert, className="p-2")


def table_view(rows: Rows, caption: str, limit: int = 500) -> html.Div:
    """The numbers a panel shows, as an HTML table (what "View as table" opens)."""
    frame = rows.frame.head(limit)
    head = html.Thead(
        html.Tr(
            [
                html.Th(str(c), scope="col", className="num" if c in rows.units else None)
                for c in frame.columns
            ]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(
                        cell_text(value, rows.units.get(column)),
                        className="num" if column in rows.units else None,
                    )
                    for column, value in zip(frame.columns, record, strict=True)
                ]
            )
            for record in frame.itertuples(index=False)
        ]
    )
    note = (
        []
        if len(rows.frame) <= limit
        else [
            html.P(
                f"The first {limit:,} of {len(rows.frame):,} rows; the CSV has them all.",
                className="small text-muted",
            )
        ]
    )
    table = html.Table([html.Caption(caption), head, body], className="table table-sm panel-table")
    return html.Div([table, *note], className="panel-table-wrap", tabIndex=0)
