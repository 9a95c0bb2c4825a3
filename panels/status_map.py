"""Status map: a tile per series (a target, a partner), coloured by its current state: its value
mapping, or its value in the unit coloured by the thresholds."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import pandas as pd
from dash import html

from data.panel_data import PanelData
from panels.figures import bare_layout, text_note
from panels.kind import Context, Model, Options, PanelType, Rows
from panels.labels import display_name
from panels.numbers import latest_by_series, shown
from panels.theme import ink
from panels.units import headed


@dataclass
class Tile:
    name: str
    value: float | None
    state: str
    color: str


@dataclass
class StatusMapModel(Model):
    tiles: list[Tile]


def build(data: PanelData, _context: Context) -> StatusMapModel:
    last = latest_by_series(data.tidy)
    tiles = []
    if not last.empty:
        for _, row in last.sort_values("series").iterrows():
            state = shown(data.panel, row["value"])
            value = pd.to_numeric(row["value"], errors="coerce")
            tiles.append(
                Tile(
                    display_name(row["series"]),
                    None if pd.isna(value) else float(value),
                    state.text,
                    state.color,
                )
            )
    return StatusMapModel(data.panel, data.slug, data.time_range, tiles)


def summary(model: StatusMapModel) -> str:
    parts = [f"{t.name} {t.state}" for t in model.tiles]
    return f"{model.panel.title}, now: {', '.join(parts) or 'no data'}"


def card(model: StatusMapModel) -> html.Div:
    tiles = [
        html.Div(
            [html.Div(t.name, className="tile-name"), html.Div(t.state, className="tile-state")],
            className="status-tile",
            style={"background": t.color, "color": ink(t.color)},
            role="listitem",
            **{"data-state": t.state},
        )
        for t in model.tiles
    ]
    return html.Div(
        tiles,
        className="status-map",
        role="list",
        **{"aria-label": summary(model)},
        style={"minHeight": f"{model.panel.height - 40}px"},
    )


def figure(model: StatusMapModel) -> dict:
    """The tiles in a grid wider than tall, each name over its state in bold, as on the card."""
    count = len(model.tiles)
    columns = max(1, min(count, math.ceil(math.sqrt(count * 3))))
    lines = math.ceil(count / columns) if count else 1
    shapes, labels = [], []
    for n, tile in enumerate(model.tiles):
        row, column = divmod(n, columns)
        x0, x1 = column / columns + 0.004, (column + 1) / columns - 0.004
        y0, y1 = 1 - (row + 1) / lines + 0.02, 1 - row / lines - 0.02
        shapes.append(
            {
                "type": "rect",
                "xref": "paper",
                "yref": "paper",
                "x0": x0,
                "x1": x1,
                "y0": y0,
                "y1": y1,
                "fillcolor": tile.color,
                "line": {"width": 0},
                "layer": "below",
            }
        )
        labels.append(
            text_note(
                f"{escape(tile.name)}<br><b>{escape(tile.state)}</b>",
                (x0 + x1) / 2,
                (y0 + y1) / 2,
                13,
                ink(tile.color),
            )
        )
    layout = bare_layout(model.panel)
    layout.update(shapes=shapes, annotations=labels)
    return {"data": [], "layout": layout}


def rows(model: StatusMapModel) -> Rows:
    value = headed("value", model.panel.unit)
    frame = pd.DataFrame(
        {
            "series": [t.name for t in model.tiles],
            value: [t.value for t in model.tiles],
            "state": [t.state for t in model.tiles],
        }
    )
    return Rows(frame, {value: model.panel.unit})


KIND = PanelType("status_map", Options, build, summary, card=card, rows=rows, figure=figure)
