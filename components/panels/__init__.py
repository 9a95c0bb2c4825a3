"""The panel library: one pure factory per panel type, (PanelData) -> Dash component."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

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


def _code_digest() -> str:
    """A digest of the code that draws panels (components/): a cache of drawn panels shared
    across restarts serves nothing an older version drew."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


RENDERER_VERSION = _code_digest()


def render(data: PanelData, **extra):
    return RENDERERS[data.panel.type](data, **extra)
