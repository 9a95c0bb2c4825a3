"""The rows behind a clicked point (a panel's drilldown SQL) for a resolved view: the detail page
and its CSV read them the same way, over the panel's own window (or the clicked bucket), with
the view's variables and the point bound as parameters, for the viewer's scope."""

from __future__ import annotations

from dataclasses import dataclass

import urls
from data.drilldown import Clicked, DetailRows, detail_params, detail_rows
from data.spec import Panel
from view.resolve import View, ViewDenied


@dataclass(frozen=True)
class Detail:
    panel: Panel
    point: Clicked
    rows: DetailRows


def detail_of(view: View, panel_id: str, query: urls.Query) -> Detail:
    """The rows a detail URL (`urls.detail`'s query) names; ViewDenied (404) when the panel has
    none to drill into, DataSourceError when they cannot be read."""
    panel = view.panel(panel_id)
    drilldown = panel.drilldown
    if drilldown is None or not drilldown.sql:
        raise ViewDenied(f"Panel {panel_id!r} has no rows to drill into.", 404)
    point = urls.clicked(query)
    window = view.window(panel)
    params = {**view.query_values, **detail_params(point, window.query)}
    return Detail(panel, point, detail_rows(view.layer, panel, window, params))
