"""What an export shows: one dashboard over one time range with its variable values resolved the
way the dashboard page resolves them (URL parameters from, to and var-NAME; values checked
against their options; values locked for the viewer win), and the panels' data for it."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass

import pandas as pd

from data.annotations import AnnotationStore, fetch_annotations
from data.datasources import DataLayer
from data.panel_data import PanelData, fetch_panel
from data.spec import Dashboard, Panel, refresh_seconds
from data.timerange import TimeRange
from data.urlstate import ViewState
from data.variables import as_query_values, resolve


@dataclass(frozen=True)
class ExportView:
    dashboard: Dashboard
    state: ViewState  # the URL's time range, with every variable's resolved values
    time_range: TimeRange
    notes: AnnotationStore | None = None  # annotations users added, drawn as on the page

    @property
    def query_values(self) -> dict:
        return as_query_values(self.state.variables, self.dashboard)

    @property
    def ttl(self) -> float:
        """Cache lifetime: the dashboard's refresh interval, as on its page."""
        return float(refresh_seconds(self.state.refresh) or 60)


@dataclass
class PanelExport:
    """One panel's data, and the annotations a time-series panel draws."""

    data: PanelData
    annotations: pd.DataFrame | None = None


def export_view(
    layer: DataLayer,
    dashboard: Dashboard,
    query: Mapping[str, str | list[str]],
    locked: Mapping[str, list[str]] | None = None,
    notes: AnnotationStore | None = None,
) -> ExportView:
    """From URL parameters; TimeRangeError or VariableError (with the user's wording) when they
    do not hold, DataSourceError when variable options cannot be loaded."""
    state = ViewState.from_query(dashboard, dict(query))
    time_range = state.time_range()
    values, _ = resolve(layer, dashboard, state.variables, locked)
    resolved = ViewState(state.time_from, state.time_to, state.refresh, values)
    return ExportView(dashboard, resolved, time_range, notes)


def fetch(layer: DataLayer, view: ExportView, panel: Panel) -> PanelExport:
    """The panel's data through the shared cache: the same data its dashboard page shows."""
    data = fetch_panel(
        layer, view.dashboard, panel, view.time_range, view.query_values, ttl=view.ttl
    )
    annotations = None
    if panel.type == "timeseries" and data.status != "error":
        annotations = fetch_annotations(layer, view.dashboard, view.time_range, view.notes)
    return PanelExport(data, annotations)


def fetch_all(layer: DataLayer, view: ExportView, pool: Executor) -> list[PanelExport]:
    """Every panel of the dashboard, side by side, in the dashboard's order."""
    futures = [pool.submit(fetch, layer, view, panel) for panel in view.dashboard.panels]
    return [future.result() for future in futures]
