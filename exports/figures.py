"""Every panel as a plotly figure (a plain dict) for image exports.

Chart panels export the very figure their factory gives the page's dcc.Graph. The panels the
page draws in HTML get a figure of their own: stat and KPI as an indicator (the same text and
colour, the change and the target as on the card) over a sparkline, a table as a table trace, a
status map as a grid of coloured tiles. Text panels have no image (the PDF report prints their
Markdown)."""

from __future__ import annotations

import math
from html import escape

import numpy as np
from dash import dcc

from components.panels import render
from components.panels.states import status_tiles
from components.panels.table import table_rows
from components.panels.values import change_note, reduce_value, shown, sparkline_points
from components.theme import BAD, OK, base_layout
from components.units import apply_mapping, format_value
from data.panel_data import PanelData
from data.spec import Panel
from exports.view import PanelExport

TITLE_ROOM = 36  # px above the plot for the panel's title
TEXT = "#2c3138"
MUTED = "#6e7079"
WHITE = "#ffffff"
HIDDEN_AXIS = {"visible": False}


def panel_figure(export: PanelExport) -> dict | None:
    """The figure of a panel whose data loaded, as its page shows it (the page's message when
    there is no data in the range); None for a text panel."""
    data = export.data
    panel = data.panel
    if panel.type == "text":
        return None
    if data.status == "empty":
        return message_figure(panel, "No data in this time range.")
    if panel.type in ("stat", "kpi"):
        return value_figure(data)
    if panel.type == "table":
        return table_figure(data)
    if panel.type == "status_map":
        return status_figure(data)
    extra = {"annotations": export.annotations} if export.annotations is not None else {}
    component = render(data, **extra)
    if not isinstance(component, dcc.Graph):
        raise TypeError(f"panel type {panel.type!r} has no export figure")
    return component.figure


def for_image(figure: dict, panel: Panel, *, title: bool) -> dict:
    """The figure on a white page, sized by the export; with the panel's title on top when the
    image stands alone (the PDF report prints titles as text)."""
    layout = {k: v for k, v in figure["layout"].items() if k not in ("height", "width")}
    layout["paper_bgcolor"] = "white"
    layout["plot_bgcolor"] = "white"
    if "legend" in layout:
        # An image cannot scroll its legend: it gets plotly's own room (up to half the height).
        layout["legend"] = {k: v for k, v in layout["legend"].items() if k != "maxheight"}
    if title:
        layout["title"] = {
            "text": escape(panel.title),
            "x": 0.01,
            "xanchor": "left",
            "y": 1,
            "yanchor": "top",
            "yref": "container",
            "pad": {"t": 10},
            "font": {"size": 15, "color": TEXT},
        }
        margin = dict(layout.get("margin", {}))
        margin["t"] = margin.get("t", 8) + TITLE_ROOM
        layout["margin"] = margin
    return {"data": figure["data"], "layout": layout}


def default_size(panel: Panel) -> tuple[int, int]:
    """An image about the size of the panel on a 1200 px wide page, title included."""
    return max(320, round(panel.width / 12 * 1200)), panel.height + TITLE_ROOM


def _bare_layout(panel: Panel) -> dict:
    layout = base_layout(panel.height)
    layout.update(
        xaxis=HIDDEN_AXIS,
        yaxis=HIDDEN_AXIS,
        showlegend=False,
        hovermode=False,
        margin={"l": 8, "r": 8, "t": 8, "b": 8},
    )
    return layout


def _text(text: str, x: float, y: float, size: int, tint: str = TEXT) -> dict:
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


def message_figure(panel: Panel, text: str) -> dict:
    layout = _bare_layout(panel)
    layout["annotations"] = [_text(escape(text), 0.5, 0.5, 14, MUTED)]
    return {"data": [], "layout": layout}


def _indicator_number(text: str) -> dict | None:
    """`$1.2M` as an indicator's number: value 1.2, prefix `$`, suffix `M`, one decimal; so the
    indicator shows exactly the card's text. None when the text is not a number."""
    start = next((i for i, c in enumerate(text) if c.isdigit() or c == "-"), None)
    if start is None:
        return None
    end = start + 1
    while end < len(text) and (text[end].isdigit() or text[end] in ",."):
        end += 1
    digits = text[start:end].replace(",", "")
    try:
        value = float(digits)
    except ValueError:
        return None
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return {
        "value": value,
        "number": {
            "prefix": text[:start],
            "suffix": text[end:],
            "valueformat": f",.{decimals}f",
        },
    }


def _rgba(hex_color: str, alpha: float) -> str:
    red, green, blue = (int(hex_color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red},{green},{blue},{alpha})"


def value_figure(data: PanelData) -> dict:
    """Stat and KPI: the value in its colour (an indicator trace), the change against the
    previous period and the share of the target as on the card, the sparkline below."""
    panel = data.panel
    value = reduce_value(data, data.frames)
    text, tint = shown(data, value)
    layout = _bare_layout(panel)
    traces: list[dict] = []
    notes = []
    change = change_note(data, value)
    if change is not None:
        text, mood = change
        notes.append((text, {"good": OK, "bad": BAD, "flat": MUTED}[mood]))
    target = panel.options.get("target")
    if panel.type == "kpi" and target and value is not None:
        share = max(0.0, min(1.0, value / float(target)))
        goal = format_value(target, panel.unit, panel.decimals)
        notes.append((f"{share * 100:.0f}% of target {goal}", MUTED))
    # As on the cards: a KPI always has its sparkline, a stat unless options.sparkline is off.
    drawn = panel.type == "kpi" or panel.options.get("sparkline", True)
    points = sparkline_points(data) if drawn else None
    bottom = 0.0
    if points is not None:
        traces.append(
            {
                "type": "scatter",
                "x": list(range(len(points))),
                "y": points.to_numpy(dtype=np.float64).tolist(),
                "mode": "lines",
                "fill": "tozeroy",
                "line": {"color": tint, "width": 1.5},
                "fillcolor": _rgba(tint, 0.1),
                "xaxis": "x",
                "yaxis": "y",
            }
        )
        layout["xaxis"] = {"visible": False, "domain": [0, 1]}
        layout["yaxis"] = {"visible": False, "domain": [0, 0.28], "rangemode": "tozero"}
        bottom = 0.3
    for n, (note, note_tint) in enumerate(reversed(notes)):
        layout.setdefault("annotations", []).append(
            _text(escape(note), 0.5, bottom + 0.05 + n * 0.1, 12, note_tint)
        )
    top_of_notes = bottom + 0.1 * len(notes)
    number = None if apply_mapping(value, panel.mappings) else _indicator_number(text)
    if number is None:
        layout.setdefault("annotations", []).append(
            _text(f"<b>{escape(text)}</b>", 0.5, (top_of_notes + 1) / 2 + 0.05, 40, tint)
        )
    else:
        number["number"]["font"] = {"color": tint}
        traces.append(
            {
                "type": "indicator",
                "mode": "number",
                **number,
                "domain": {"x": [0, 1], "y": [top_of_notes + 0.05, 1]},
            }
        )
    return {"data": traces, "layout": layout}


def cell_text(value) -> str:
    """A table cell's value as text: integers without a decimal point, blanks for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.4g}"
    return str(value)


def table_figure(data: PanelData) -> dict:
    """A table trace with the panel's columns, formatted values and threshold colours."""
    rows = table_rows(data)
    headers, cells, aligns, colors = [], [], [], []
    for definition in rows.defs:
        field = definition["field"]
        source = rows.shown.get(f"{field}__text", rows.shown[field])
        headers.append(f"<b>{escape(definition['headerName'])}</b>")
        cells.append([escape(cell_text(v)) for v in source])
        aligns.append("right" if field in rows.units else "left")
        tints = rows.shown.get(f"{field}__color")
        colors.append([TEXT if c == "inherit" else c for c in tints] if tints is not None else TEXT)
    trace = {
        "type": "table",
        "header": {
            "values": headers,
            "align": "left",
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
    return {"data": [trace], "layout": _bare_layout(data.panel)}


def status_figure(data: PanelData) -> dict:
    """A tile per series in its state's colour, its name over its state in bold (as on the card),
    in a grid wider than tall."""
    tiles = status_tiles(data)
    columns = max(1, min(len(tiles), math.ceil(math.sqrt(len(tiles) * 3))))
    rows = math.ceil(len(tiles) / columns)
    shapes, labels = [], []
    for n, (name, label, tint) in enumerate(tiles):
        row, column = divmod(n, columns)
        x0, x1 = column / columns + 0.004, (column + 1) / columns - 0.004
        y0, y1 = 1 - (row + 1) / rows + 0.02, 1 - row / rows - 0.02
        shapes.append(
            {
                "type": "rect",
                "xref": "paper",
                "yref": "paper",
                "x0": x0,
                "x1": x1,
                "y0": y0,
                "y1": y1,
                "fillcolor": tint,
                "line": {"width": 0},
                "layer": "below",
            }
        )
        labels.append(
            _text(
                f"{escape(name)}<br><b>{escape(label)}</b>", (x0 + x1) / 2, (y0 + y1) / 2, 13, WHITE
            )
        )
    layout = _bare_layout(data.panel)
    layout.update(shapes=shapes, annotations=labels)
    return {"data": [], "layout": layout}
