"""Colours and the plotly template every panel shares, so a service has one colour everywhere."""

from __future__ import annotations

import hashlib

import plotly.graph_objects as go

PALETTE = [
    "#3274d9",
    "#56a64b",
    "#f2a93b",
    "#e02f44",
    "#8f3bb8",
    "#1f9fa8",
    "#fa6400",
    "#a16d3b",
    "#d683ce",
    "#6e7079",
    "#96d98d",
    "#8ab8ff",
]
NAMED = {
    "green": "#56a64b",
    "red": "#e02f44",
    "orange": "#fa6400",
    "yellow": "#f2cc0c",
    "blue": "#3274d9",
    "purple": "#8f3bb8",
    "grey": "#6e7079",
    "gray": "#6e7079",
}
OK, WARN, BAD, NEUTRAL = NAMED["green"], NAMED["orange"], NAMED["red"], "#3274d9"


def color(name: str) -> str:
    return NAMED.get(name, name)


def series_color(name: str) -> str:
    """A stable colour per series name (the same service is the same colour on every page)."""
    digest = hashlib.blake2b(name.encode(), digest_size=2).digest()
    return PALETTE[int.from_bytes(digest, "big") % len(PALETTE)]


def base_layout(height: int) -> dict:
    return {
        "template": "plotly_white",
        "height": height,
        "margin": {"l": 48, "r": 12, "t": 8, "b": 32},
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        "legend": {"orientation": "h", "y": -0.18, "x": 0, "font": {"size": 11}},
        "hovermode": "x unified",
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }


def empty_figure(height: int) -> go.Figure:
    return go.Figure(layout=base_layout(height))
