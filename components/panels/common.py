"""What every panel factory shares: the graph wrapper, axis units, the "no data" body."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from components.units import format_value
from data.panel_data import PanelData

# Plotly fetches map outlines from a CDN unless told where they are: ours are under assets/.
GRAPH_CONFIG = {"displayModeBar": False, "responsive": True, "topojsonURL": "/assets/topojson/"}


def graph(figure: go.Figure, data: PanelData) -> dcc.Graph:
    return dcc.Graph(
        figure=figure,
        config=GRAPH_CONFIG,
        style={"height": f"{data.panel.height}px"},
        className="panel-graph",
    )


def message(text: str, color: str = "secondary") -> html.Div:
    return html.Div(dbc.Alert(text, color=color, className="m-0 py-2 small"), className="p-2")


def axis_ticks(values: pd.Series, unit: str, decimals: int | None) -> dict:
    """Axis ticks labelled in the panel's unit (6 ticks between the data's min and max)."""
    finite = pd.to_numeric(values, errors="coerce").dropna()
    if finite.empty or unit in ("short", "none"):
        return {}
    low, high = float(min(finite.min(), 0)), float(finite.max())
    if high == low:
        high = low + 1
    ticks = [low + (high - low) * i / 5 for i in range(6)]
    return {"tickvals": ticks, "ticktext": [format_value(t, unit, decimals) for t in ticks]}


def latest_by_series(frame: pd.DataFrame) -> pd.DataFrame:
    """The last value of each series (what a stat, gauge or bar gauge shows)."""
    if frame.empty:
        return frame
    ordered = frame.sort_values("x") if "x" in frame else frame
    return ordered.groupby("series", sort=False).tail(1)
