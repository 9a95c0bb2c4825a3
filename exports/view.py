"""What an export draws: each panel's data for a resolved view (data.view: the dashboard over
one time range with its variables resolved as on its page, for the viewer's scope), through the
shared cache, so a panel exports the data its page shows, and the annotations it draws."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

import pandas as pd

from data.annotations import fetch_annotations
from data.panel_data import PanelData, fetch_panel
from data.spec import Panel
from data.view import View


@dataclass
class PanelExport:
    """One panel's data, and the annotations a time-series panel draws."""

    data: PanelData
    annotations: pd.DataFrame | None = None


def fetch(view: View, panel: Panel) -> PanelExport:
    data = fetch_panel(
        view.layer, view.dashboard, panel, view.time_range, view.query_values, ttl=view.ttl
    )
    annotations = None
    if panel.type == "timeseries" and data.status != "error":
        annotations = fetch_annotations(view.layer, view.dashboard, view.time_range, view.notes)
    return PanelExport(data, annotations)


def fetch_all(view: View, pool: Executor) -> list[PanelExport]:
    """Every panel of the dashboard, side by side, in the dashboard's order."""
    futures = [pool.submit(fetch, view, panel) for panel in view.dashboard.panels]
    return [future.result() for future in futures]
