"""Treemap: nested tiles sized by the query's value column, from the outer to the inner of the
columns `path` names (default the first column).

Options: `path` (the SQL columns, outer first).
A click means the clicked tile.
"""

from __future__ import annotations

from dataclasses import dataclass

from data.drilldown import Clicked, text_of
from data.panel_data import PanelData
from data.spec import Panel
from data.timerange import QueryWindow
from panels.figures import escaped_figure
from panels.kind import Context, Model, Options, PanelType, Rows
from panels.theme import base_layout, series_colors
from panels.units import format_value


class TreemapOptions(Options):
    path: list[str] = []


@dataclass
class Tile:
    id: str
    label: str
    parent: str
    value: float


@dataclass
class TreemapModel(Model):
    tiles: list[Tile]
    path: list[str]


def build(data: PanelData, _context: Context) -> TreemapModel:
    frame = data.frames[0]
    raw = frame.raw
    path = data.panel.options.path or ([str(raw.columns[0])] if len(raw.columns) else [])
    size = (
        frame.query.y_columns[0]
        if frame.query.y_columns
        else (raw.columns[-1] if len(raw.columns) else None)
    )
    tiles = []
    for depth in range(len(path) if size is not None and not raw.empty else 0):
        grouped = raw.groupby(path[: depth + 1], sort=False)[size].sum().reset_index()
        for _, row in grouped.iterrows():
            key = "/".join(str(row[c]) for c in path[: depth + 1])
            parent = "/".join(str(row[c]) for c in path[:depth])
            tiles.append(Tile(key, str(row[path[depth]]), parent, float(row[size])))
    return TreemapModel(data.panel, data.slug, data.time_range, tiles, path)


def figure(model: TreemapModel) -> dict:
    panel = model.panel
    # A colour per top-level tile, which its own tiles share.
    tints = series_colors(t.label for t in model.tiles if not t.parent)
    trace = {
        "type": "treemap",
        "ids": [t.id for t in model.tiles],
        "labels": [t.label for t in model.tiles],
        "parents": [t.parent for t in model.tiles],
        "values": [t.value for t in model.tiles],
        "branchvalues": "total",
        "customdata": [format_value(t.value, panel.unit, panel.decimals) for t in model.tiles],
        "hovertemplate": "%{label}: %{customdata}<extra></extra>",
        "marker": {"colors": [tints[t.parent or t.label] for t in model.tiles]},
    }
    return escaped_figure([trace], base_layout(panel.height))


def summary(model: TreemapModel) -> str:
    panel = model.panel
    outer = sorted((t for t in model.tiles if not t.parent), key=lambda t: -t.value)
    parts = [f"{t.label} {format_value(t.value, panel.unit, panel.decimals)}" for t in outer[:8]]
    return f"{panel.title}, {model.span}: {', '.join(parts) or 'no data'}"


def rows(model: TreemapModel) -> Rows:
    tiles = model.tiles
    return Rows.named(model.panel, "tile", [t.id for t in tiles], [t.value for t in tiles])


def click(_panel: Panel, point: dict, _window: QueryWindow) -> Clicked:
    return Clicked(category=text_of(point.get("label") or point.get("x")))


KIND = PanelType("treemap", TreemapOptions, build, summary, rows=rows, figure=figure, click=click)
