"""The panel types, one module each (panels/<type>.py; what a module declares: panels/kind.py).

Adding a type: a module ending with `KIND = PanelType(...)`, its line below, a test and the
README's list. Everything else (the spec's validation, the page, the exports, the table view,
clicks) finds it here.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from panels import (
    alerts,
    bar,
    bargauge,
    cohort,
    experiment,
    funnel,
    gantt,
    gauge,
    geomap,
    heatmap,
    histogram,
    kpi,
    node_graph,
    pie,
    stat,
    state_timeline,
    status_map,
    table,
    text,
    timeseries,
    treemap,
)
from panels.kind import Options, PanelType

KINDS: dict[str, PanelType] = {
    module.KIND.name: module.KIND
    for module in (
        stat,
        kpi,
        gauge,
        bargauge,
        timeseries,
        bar,
        pie,
        table,
        heatmap,
        histogram,
        cohort,
        experiment,
        geomap,
        funnel,
        state_timeline,
        status_map,
        node_graph,
        gantt,
        treemap,
        text,
        alerts,
    )
}
TYPES = tuple(KINDS)


def panel_type(name: str) -> PanelType:
    return KINDS[name]


def options_for(name: str) -> type[Options]:
    return KINDS[name].options


def _code_digest() -> str:
    """A digest of the code that draws panels: a cache of drawn panels shared across restarts
    serves nothing an older version drew."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for path in sorted([*root.glob("*.py"), *(root.parent / "components").rglob("*.py")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


DRAWING_VERSION = _code_digest()
