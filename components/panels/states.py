"""State and structure panels: state timeline, status map, node graph, timeline/Gantt."""

from __future__ import annotations

import math

import pandas as pd
from dash import html

from components.panels.common import graph, latest_by_series
from components.panels.figure import escape_text, figure, vline
from components.theme import BAD, NEUTRAL, OK, base_layout, color, series_color
from components.units import apply_mapping, format_value, threshold_color
from data.panel_data import PanelData


def _state(data: PanelData, value) -> tuple[str, str]:
    mapping = apply_mapping(value, data.panel.mappings)
    if mapping is not None:
        return mapping.text, color(mapping.color or NEUTRAL)
    tint = color(threshold_color(value, data.panel.thresholds, NEUTRAL))
    return format_value(value, data.panel.unit, data.panel.decimals), tint


def state_timeline(data: PanelData):
    """One lane per series; each run of equal states is a coloured bar, labelled on hover."""
    panel = data.panel
    traces = []
    legend_seen = set()
    for name, series in data.tidy.groupby("series", sort=True):
        series = series.sort_values("x")
        states = [_state(data, v) for v in series["value"]]
        times = list(series["x"])
        start = 0
        for i in range(1, len(times) + 1):
            if i == len(times) or states[i] != states[start]:
                end = times[i] if i < len(times) else times[-1]
                label, tint = states[start]
                width = (end - times[start]).total_seconds() * 1000 or 1
                traces.append(
                    {
                        "type": "bar",
                        "x": [width],
                        "y": [str(name)],
                        "base": [times[start].isoformat()],
                        "orientation": "h",
                        "marker": {"color": tint},
                        "name": label,
                        "legendgroup": label,
                        "showlegend": label not in legend_seen,
                        "hovertemplate": escape_text(f"{name}: {label}") + "<extra></extra>",
                    }
                )
                legend_seen.add(label)
                start = i
    layout = base_layout(panel.height)
    layout.update(
        barmode="overlay",
        hovermode="closest",
        bargap=0.3,
        xaxis={"type": "date"},
        yaxis={"automargin": True},
    )
    return graph(figure(traces, layout), data)


def status_tiles(data: PanelData) -> list[tuple[str, str, str]]:
    """(name, state text, colour) of each series (target) by name: its current state."""
    last = latest_by_series(data.tidy).sort_values("series")
    return [(str(row["series"]), *_state(data, row["value"])) for _, row in last.iterrows()]


def status_map(data: PanelData):
    """A tile per series (target), coloured by its current state (mapping or thresholds)."""
    panel = data.panel
    tiles = [
        html.Div(
            [html.Div(name, className="tile-name"), html.Div(label, className="tile-state")],
            className="status-tile",
            style={"background": tint},
            **{"data-state": label},
        )
        for name, label, tint in status_tiles(data)
    ]
    return html.Div(tiles, className="status-map", style={"minHeight": f"{panel.height - 40}px"})


def node_graph(data: PanelData):
    """Services as nodes on a circle, calls as edges whose width follows the request rate.
    The query's series labels name the ends (options.source / options.target, default
    `source` and `destination`)."""
    panel = data.panel
    source_col = panel.options.get("source", "source")
    target_col = panel.options.get("target", "destination")
    edges = latest_by_series(data.tidy)
    nodes = sorted(set(edges[source_col]) | set(edges[target_col]))
    position = {
        node: (math.cos(2 * math.pi * i / len(nodes)), math.sin(2 * math.pi * i / len(nodes)))
        for i, node in enumerate(nodes)
    }
    traces, arrows = [], []
    top = float(edges["value"].max() or 1)
    mid_x, mid_y, hover = [], [], []
    for _, edge in edges.iterrows():
        (x0, y0), (x1, y1) = position[edge[source_col]], position[edge[target_col]]
        traces.append(
            {
                "type": "scatter",
                "x": [x0, x1],
                "y": [y0, y1],
                "mode": "lines",
                "hoverinfo": "skip",
                "line": {"width": 1 + 7 * float(edge["value"]) / top, "color": "#9aa5b1"},
                "showlegend": False,
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
                "arrowcolor": "#9aa5b1",
                "standoff": 14,
                "text": "",
            }
        )
        mid_x.append((x0 + x1) / 2)
        mid_y.append((y0 + y1) / 2)
        hover.append(
            f"{edge[source_col]} → {edge[target_col]}: "
            f"{format_value(edge['value'], panel.unit, panel.decimals)}"
        )
    traces.append(
        {
            "type": "scatter",
            "x": mid_x,
            "y": mid_y,
            "mode": "markers",
            "marker": {"size": 6, "color": "#9aa5b1"},
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
                "color": [series_color(n) for n in nodes],
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
    return graph(figure(traces, layout), data)


STATUS_COLORS = {
    "done": OK,
    "in_progress": NEUTRAL,
    "planned": "#9aa5b1",
    "blocked": BAD,
    "late": BAD,
    "at_risk": "#fa6400",
}


def gantt(data: PanelData):
    """Phases as bars from start to end, coloured by status, labelled with progress. SQL columns
    from options: name, start, end, status, progress."""
    panel = data.panel
    raw = data.frames[0].raw
    cols = {k: panel.options.get(k, k) for k in ("name", "start", "end", "status", "progress")}
    traces = []
    seen = set()
    for _, row in raw.iterrows():
        start, end = pd.Timestamp(row[cols["start"]]), pd.Timestamp(row[cols["end"]])
        status = str(row.get(cols["status"], ""))
        progress = row.get(cols["progress"])
        label = f"{progress:.0f}%" if progress is not None and not pd.isna(progress) else ""
        traces.append(
            {
                "type": "bar",
                "x": [(end - start).total_seconds() * 1000],
                "y": [str(row[cols["name"]])],
                "base": [start.isoformat()],
                "orientation": "h",
                "name": status,
                "legendgroup": status,
                "showlegend": status not in seen,
                "text": [label],
                "textposition": "inside",
                "marker": {"color": STATUS_COLORS.get(status, NEUTRAL)},
                "hovertemplate": escape_text(f"{row[cols['name']]}: {status} {label}")
                + f"<br>{start:%Y-%m-%d} → {end:%Y-%m-%d}<extra></extra>",
            }
        )
        seen.add(status)
    now = pd.Timestamp.now(tz="UTC").tz_localize(None).isoformat()
    layout = base_layout(panel.height)
    layout.update(
        barmode="overlay",
        hovermode="closest",
        shapes=[vline(now, BAD)],
        xaxis={"type": "date"},
        yaxis={"autorange": "reversed", "automargin": True},
    )
    return graph(figure(traces, layout), data)
