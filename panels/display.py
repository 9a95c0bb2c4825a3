"""A panel of a resolved view (view/resolve.py), from its data to its display model: what the
page, every export, the table view and the lint draw from, the same way."""

from __future__ import annotations

from data.annotations import fetch_annotations
from data.errors import DataSourceError
from data.panel_data import PanelData, fetch_panel
from data.spec import Panel
from panels import panel_type
from panels.kind import Context, Model
from view.resolve import View


def panel_data(view: View, panel: Panel) -> PanelData:
    """The panel's data over its window (`View.window`), through the shared cache, for the
    view's scope and variables."""
    try:
        window = view.window(panel)
    except DataSourceError as exc:
        return PanelData.failed(panel, view.dashboard.slug, exc)
    return fetch_panel(view.layer, view.dashboard, panel, window, view.query_values, ttl=view.ttl)


def panel_model(view: View, data: PanelData) -> Model | None:
    """The display model of `data`; None when there is nothing to show (the data failed or is
    empty), with `data` marked as failed when what the panel reads besides queries (alerts)
    fails."""
    if data.status in ("error", "empty"):
        return None
    kind = panel_type(data.panel.type)
    annotations = None
    if kind.annotated:
        notes = view.notes.frame(view.dashboard.slug, data.time_range)
        annotations = fetch_annotations(view.layer, view.dashboard, data.time_range, notes)
    context = Context(data.time_range, data.window, view.prefix, annotations, view)
    try:
        return kind.build(data, context)
    except DataSourceError as exc:
        data.status, data.error, data.error_kind = "error", exc.message, exc.kind
        return None
