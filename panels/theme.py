"""Colours and the plotly template every panel shares, so a service has one colour everywhere."""

from __future__ import annotations

import hashlib

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
TEXT, MUTED, WHITE = "#2c3138", "#6e7079", "#ffffff"


def color(name: str) -> str:
    return NAMED.get(name, name)


def series_color(name: str) -> str:
    """A stable colour per series name (the same service is the same colour on every page)."""
    digest = hashlib.blake2b(name.encode(), digest_size=2).digest()
    return PALETTE[int.from_bytes(digest, "big") % len(PALETTE)]


_AXIS = {
    "gridcolor": "#eef0f3",
    "linecolor": "#eef0f3",
    "zerolinecolor": "#eef0f3",
    "ticks": "",
}
# The few template settings the panels rely on. Plotly's named templates (plotly_white) carry
# 7 KB of settings for every trace type: copied and validated into each figure they took most of
# a panel's render time on the server, and were sent to the browser with every panel update.
TEMPLATE = {
    "layout": {
        "colorway": PALETTE,
        "font": {"color": "#2c3138"},
        "hoverlabel": {"align": "left"},
        # No automargin: it measures the labels and draws every chart twice. Value axes get a
        # left margin sized for their labels instead (charts._layout); category axes set it.
        "xaxis": _AXIS,
        "yaxis": _AXIS,
        "coloraxis": {"colorbar": {"outlinewidth": 0, "ticks": ""}},
        "geo": {
            "bgcolor": "rgba(0,0,0,0)",
            "landcolor": "#f4f5f7",
            "subunitcolor": "#c8d4e3",
            "showland": True,
        },
        "annotationdefaults": {"arrowcolor": "#2c3138", "arrowhead": 0, "arrowwidth": 1},
    }
}


def base_layout(height: int) -> dict:
    return {
        "template": TEMPLATE,
        "height": height,
        "margin": {"l": 48, "r": 12, "t": 8, "b": 32},
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        # At most about a fifth of the panel: more series scroll in it, the plot keeps its room.
        "legend": {"orientation": "h", "y": -0.18, "x": 0, "font": {"size": 11}, "maxheight": 0.2},
        "hovermode": "x unified",
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
