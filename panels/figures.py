"""Plotly figures as plain dicts, the way plotly.js reads them, and the pieces types draw with.

The panels build their figures as dicts rather than `plotly.graph_objects`: the object model
validates and copies every property (most of a panel's render time on the server), and plotly.js
checks the figure again in the browser anyway. The same dicts go to dcc.Graph and to the exports.
"""

from __future__ import annotations

import base64
from urllib.parse import quote

import numpy as np

from data.spec import Panel
from panels.labels import display_name
from panels.theme import TEXT, base_layout
from panels.units import cell_text

_TYPED = {"float32": "f4", "float64": "f8", "int32": "i4", "int16": "i2", "int8": "i1"}


def typed(values) -> dict | list:
    """A numeric array as plotly.js's typed-array spec (base64), a third of the bytes of a JSON
    list of numbers; anything else as a list."""
    array = np.asarray(values)
    code = _TYPED.get(str(array.dtype))
    if code is None or array.ndim != 1 or array.size == 0:
        return array.tolist() if isinstance(values, np.ndarray) else list(values)
    return {"dtype": code, "bdata": base64.b64encode(np.ascontiguousarray(array)).decode("ascii")}


# Trace fields whose strings come from data (label values, SQL rows) and that plotly.js renders
# as its own subset of HTML (<a href>, <b>, <br>...): escaped, so data shows as text.
_TEXT_FIELDS = ("name", "text", "labels", "customdata", "ids", "parents", "x", "y", "locations")


def escape_text(value):
    if isinstance(value, str):
        return value.replace("<", "&lt;").replace(">", "&gt;")
    if isinstance(value, list):
        return [escape_text(v) for v in value]
    return value


def escaped_figure(traces: list[dict], layout: dict) -> dict:
    """A figure from traces and a layout; text that came from data is escaped, and legend
    entries named as people read them (`in progress`, not `in_progress`)."""
    for trace in traces:
        if isinstance(trace.get("name"), str):
            trace["name"] = display_name(trace["name"])
        for key in _TEXT_FIELDS:
            if key in trace:
                trace[key] = escape_text(trace[key])
    return {"data": traces, "layout": layout}


def hline(y: float, color: str) -> dict:
    """A dashed horizontal line across the plot (a threshold)."""
    return {
        "type": "line",
        "xref": "x domain",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": y,
        "y1": y,
        "line": {"color": color, "dash": "dash", "width": 1},
    }


def vline(x, color: str) -> dict:
    """A dotted vertical line over the whole plot height (now, on a timeline)."""
    return {
        "type": "line",
        "yref": "y domain",
        "y0": 0,
        "y1": 1,
        "xref": "x",
        "x0": x,
        "x1": x,
        "line": {"color": color, "dash": "dot"},
    }


def vrect(x0, x1, color: str, opacity: float = 0.12) -> dict:
    """A shaded band over the whole plot height (an incident from start to end)."""
    return {
        "type": "rect",
        "yref": "y domain",
        "y0": 0,
        "y1": 1,
        "xref": "x",
        "x0": x0,
        "x1": x1,
        "fillcolor": color,
        "opacity": opacity,
        "line": {"width": 0},
        "layer": "below",
    }


def sparkline_svg(values: np.ndarray, color: str, width: int = 200, height: int = 48) -> str:
    """A filled line as an SVG data URI: a stat's sparkline is a picture, and an <img> costs the
    browser nothing next to a plotly chart. From zero, so a steady value reads as steady."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    low, high = min(0.0, float(values.min())), float(values.max()) * 1.2
    span = (high - low) or 1.0
    xs = np.linspace(0, width, len(values))
    ys = height - (values - low) / span * height
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="none">'
        f'<polygon points="0,{height} {line} {width},{height}" fill="{color}" '
        f'fill-opacity="0.1"/>'
        f'<polyline points="{line}" fill="none" stroke="{color}" stroke-width="1.5" '
        f'vector-effect="non-scaling-stroke"/></svg>'
    )
    return "data:image/svg+xml;utf8," + quote(svg)


HIDDEN_AXIS = {"visible": False}


def bare_layout(panel: Panel) -> dict:
    """A layout with no axes, legend or hover: for pictures drawn with shapes and text (a stat,
    a table, status tiles)."""
    layout = base_layout(panel.height)
    layout.update(
        xaxis=HIDDEN_AXIS,
        yaxis=HIDDEN_AXIS,
        showlegend=False,
        hovermode=False,
        margin={"l": 8, "r": 8, "t": 8, "b": 8},
    )
    return layout


def text_note(text: str, x: float, y: float, size: int, tint: str = TEXT) -> dict:
    """A line of (already escaped) text at a place of the paper."""
    return {
        "text": text,
        "x": x,
        "y": y,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "middle",
        "showarrow": False,
        "font": {"size": size, "color": tint},
    }


def table_figure(panel: Panel, headers: list[str], cells: list[list[str]], aligns: list[str],
                 colors: list | str = TEXT) -> dict:  # fmt: skip
    """A table picture: `headers` (escaped text) bold, `cells` a list of each column's escaped
    texts, `colors` one colour for all or, per column, one or one per cell."""
    trace = {
        "type": "table",
        "header": {
            "values": [f"<b>{h}</b>" for h in headers],
            "align": aligns,  # a number's header over its digits
            "fill": {"color": "#f4f5f7"},
            "font": {"size": 12, "color": TEXT},
            "line": {"color": "#dfe3e8"},
        },
        "cells": {
            "values": cells,
            "align": aligns,
            "font": {"size": 11, "color": colors},
            "line": {"color": "#eef0f3"},
            "height": 24,
        },
    }
    return {"data": [trace], "layout": bare_layout(panel)}


def rows_figure(rows, panel: Panel) -> dict:
    """A panel's rows as a table picture: numbers in their unit, right-aligned."""
    frame = rows.frame
    cells = [
        [escape_text(cell_text(v, rows.units.get(c))) for v in frame[c]] for c in frame.columns
    ]
    aligns = ["right" if c in rows.units else "left" for c in frame.columns]
    return table_figure(panel, [escape_text(str(c)) for c in frame.columns], cells, aligns)
