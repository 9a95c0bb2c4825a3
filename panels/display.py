"""A panel of a resolved view (view/resolve.py), from its data to its display model: what the
page, every export, the table view and the lint draw from, the same way."""

from __future__ import annotations

from data.annotations import fetch_annotations
from data.errors import DataSourceError
from data.panel_data import PanelData, fetch_panel
from data.spec import Panel
from data.timerange import TimeRange
from data.variables import as_query_values
from panels import panel_type
from panels.kind import Context, Model
from view.resolve import View


def panel_data(view: View, panel: Panel, over: TimeRange | None = None) -> PanelData:
    """The panel's data over its window (`View.window`), through the shared cache, for the
    view's scope and variables; `over`: over that range instead, without its comparison (the
    history its analytics read). A panel whose clicks set a variable (`cross_filter`) reads all
    of that variable's values: it keeps every slice or bar, the chosen ones highlighted, instead
    of filtering itself down to them."""
    try:
        window = view.window(panel, over)
    except DataSourceError as exc:
        return PanelData.failed(panel, view.dashboard.slug, exc)
    values = view.query_values
    if selected(view, panel):
        every = {**view.values, panel.cross_filter: view.choices[panel.cross_filter]}
        values = as_query_values(every, view.dashboard)
    return fetch_panel(view.layer, view.dashboard, panel, window, values, ttl=view.ttl,
                       compare=over is None)  # fmt: skip


def selected(view: View, panel: Panel) -> tuple[str, ...]:
    """The values a click on `panel` chose (its cross_filter variable's), when they are some of
    its options and not locked for the viewer (locked values always filter)."""
    name = panel.cross_filter
    if name is None or name in view.locked or name not in view.choices:
        return ()
    chosen = view.values.get(name, [])
    return tuple(chosen) if set(chosen) < set(view.choices[name]) else ()


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
    order = tuple(tuple(view.choices.get(v.name, ())) for v in view.dashboard.variables)
    longer = kind.history(data.panel, data.time_range) if kind.history else None
    context = Context(
        data.time_range,
        data.window,
        view.prefix,
        annotations,
        view,
        series_order=order,
        selected=selected(view, data.panel),
        history=panel_data(view, data.panel, longer) if longer is not None else None,
        cache=view.layer.cache,
    )
    try:
        return kind.build(data, context)
    except DataSourceError as exc:
        data.status, data.error, data.error_kind = "error", exc.message, exc.kind
        return None
