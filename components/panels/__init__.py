"""The panel library: one pure factory per panel type, (PanelData) -> Dash component."""

from __future__ import annotations

from collections.abc import Callable

from components.panels import charts, states, table, text, values
from data.panel_data import PanelData

RENDERERS: dict[str, Callable] = {
    "stat": values.stat,
    "kpi": values.kpi,
    "gauge": values.gauge,
    "bargauge": values.bargauge,
    "timeseries": charts.timeseries,
    "bar": charts.bar,
    "pie": charts.pie,
    "histogram": charts.histogram,
    "heatmap": charts.heatmap,
    "funnel": charts.funnel,
    "treemap": charts.treemap,
    "geomap": charts.geomap,
    "table": table.table,
    "text": text.text,
    "state_timeline": states.state_timeline,
    "status_map": states.status_map,
    "node_graph": states.node_graph,
    "gantt": states.gantt,
}


def render(data: PanelData, **extra):
    return RENDERERS[data.panel.type](data, **extra)
