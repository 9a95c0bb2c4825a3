"""Node graph: services as nodes on a circle, calls as arrows whose width follows the value (a
request rate). The query's series labels name each edge's ends.

Options: `source` and `target` (the labels; default `source` and `destination`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from data.panel_data import PanelData
from panels.figures import escaped_figure
from panels.kind import Context, Model, Options, PanelType, Rows
from panels.numbers import latest_by_series
from panels.theme import base_layout, series_colors
from panels.units import format_value, headed

EDGE = "#9aa5b1"


class NodeGraphOptions(Options):
    source: str = "source"
    target: str = "destination"


@dataclass
class Edge:
    source: str
    target: str
    value: float


@dataclass
class NodeGraphModel(Model):
    nodes: list[str]
    edges: list[Edge]


def build(data: PanelData, _context: Context) -> NodeGraphModel:
    options = data.panel.options
    last = latest_by_series(data.tidy)
    edges = []
    if not last.empty and options.source in last and options.target in last:
        edges = [
            Edge(str(row[options.source]), str(row[options.target]), float(row["value"]))
            for _, row in last.iterrows()
        ]
    nodes = sorted({e.source for e in edges} | {e.target for e in edges})
    return NodeGraphModel(data.panel, data.slug, data.time_range, nodes, edges)


def figure(model: NodeGraphModel) -> dict:
    panel, nodes = model.panel, model.nodes
    tints = series_colors(nodes)
    position = {
        n: (math.cos(2 * math.pi * i / len(nodes)), math.sin(2 * math.pi * i / len(nodes)))
        for i, n in enumerate(nodes)
    }
    traces, arrows = [], []
    top = max((e.value for e in model.edges), default=0.0) or 1.0
    mid_x, mid_y, hover = [], [], []
    for edge in model.edges:
        (x0, y0), (x1, y1) = position[edge.source], position[edge.target]
        traces.append(
            {
                "type": "scatter",
                "x": [x0, x1],
                "y": [y0, y1],
                "mode": "lines",
                "hoverinfo": "skip",
                "showlegend": False,
                "line": {"width": 1 + 7 * edge.value / top, "color": EDGE},
            }
        )
        arrows.append(
            {
                "x": x1,
                "y": y1,
                "ax": x0,
                "ay": y0,
                "xref": "x",
                "yref": "y",
                "axref": "x",
                "ayref": "y",
                "showarrow": True,
                "arrowhead": 2,
                "arrowsize": 1,
                "arrowwidth": 1,
                "arrowcolor": EDGE,
                "standoff": 14,
                "text": "",
            }
        )
        mid_x.append((x0 + x1) / 2)
        mid_y.append((y0 + y1) / 2)
        hover.append(
            f"{edge.source} → {edge.target}: {format_value(edge.value, panel.unit, panel.decimals)}"
        )
    traces.append(
        {
            "type": "scatter",
            "x": mid_x,
            "y": mid_y,
            "mode": "markers",
            "marker": {"size": 6, "color": EDGE},
            "text": hover,
            "hovertemplate": "%{text}<extra></extra>",
            "showlegend": False,
        }
    )
    traces.append(
        {
            "type": "scatter",
            "x": [position[n][0] for n in nodes],
            "y": [position[n][1] for n in nodes],
            "mode": "markers+text",
            "text": nodes,
            "textposition": "top center",
            "marker": {
                "size": 26,
                "color": [tints[n] for n in nodes],
                "line": {"color": "#fff", "width": 2},
            },
            "hovertemplate": "%{text}<extra></extra>",
            "showlegend": False,
        }
    )
    layout = base_layout(panel.height)
    layout.update(
        hovermode="closest",
        annotations=arrows,
        xaxis={"visible": False, "range": [-1.4, 1.4]},
        yaxis={"visible": False, "range": [-1.3, 1.4], "scaleanchor": "x"},
    )
    return escaped_figure(traces, layout)


def summary(model: NodeGraphModel) -> str:
    panel = model.panel
    parts = [
        f"{e.source} to {e.target} {format_value(e.value, panel.unit, panel.decimals)}"
        for e in sorted(model.edges, key=lambda e: -e.value)[:8]
    ]
    return f"{panel.title}, now: {', '.join(parts) or 'no data'}"


def rows(model: NodeGraphModel) -> Rows:
    value = headed("value", model.panel.unit)
    frame = pd.DataFrame(
        [(e.source, e.target, e.value) for e in model.edges], columns=["source", "target", value]
    )
    return Rows(frame, {value: model.panel.unit})


KIND = PanelType("node_graph", NodeGraphOptions, build, summary, rows=rows, figure=figure)
