"""What every panel factory shares: the graph wrapper, axis units, the "no data" body."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from data.panel_data import PanelData

# Plotly fetches map outlines from a CDN unless told where they are: ours are under assets/.
GRAPH_CONFIG = {"displayModeBar": False, "responsive": True, "topojsonURL": "/assets/topojson/"}


def graph_id(slug: str, panel_id: str) -> dict:
    """The id of a panel's chart: the click and zoom callbacks listen to every one of them."""
    return {"type": "panel-graph", "slug": slug, "panel": panel_id}


def graph(figure: dict, data: PanelData) -> dcc.Graph:
    if data.panel.clickable:
        figure["layout"]["clickmode"] = "event"
    return dcc.Graph(
        id=graph_id(data.slug, data.panel.id),
        figure=figure,
        config=GRAPH_CONFIG,
        style={"height": f"{data.panel.height}px"},
        className="panel-graph",
    )


def message(text: str, color: str = "secondary") -> html.Div:
    return html.Div(dbc.Alert(text, color=color, className="m-0 py-2 small"), className="p-2")


def latest_by_series(frame: pd.DataFrame) -> pd.DataFrame:
    """The last value of each series (what a stat, gauge or bar gauge shows)."""
    if frame.empty:
        return frame
    ordered = frame.sort_values("x") if "x" in frame else frame
    return ordered.groupby("series", sort=False).tail(1)
